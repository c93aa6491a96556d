using CityPass.Core.Citizens;
using CityPass.Core.Identify;

namespace CityPass.Core.Venues;

/// <summary>
/// Who may enter a venue. The default admits green passes only, any number of people, at any
/// time, with anti-passback (no second entry without an exit in between).
/// </summary>
public sealed record VenuePolicy
{
    public StatusColours AllowedColours { get; init; } = StatusColours.Green;

    /// <summary>Credentials every visitor must hold, e.g. a social-security card at a clinic.</summary>
    public Credentials RequiredCredentials { get; init; } = Credentials.None;

    /// <summary>How many people may be inside at once; null for no limit.</summary>
    public int? Capacity { get; init; }

    /// <summary>When the venue admits people; null for always.</summary>
    public OpeningHours? Hours { get; init; }

    /// <summary>
    /// Entry needs a previous exit and exit a previous entry, so a pass can't be handed back over the
    /// barrier. It applies to this city's passes: a foreign pass hides who it is.
    /// </summary>
    public bool AntiPassback { get; init; } = true;

    /// <summary>Entry needs a ticket or booking for this venue (theatres, sports halls).</summary>
    public bool RequiresBooking { get; init; }

    /// <summary>
    /// Which of a foreign pass's credentials count towards <see cref="RequiredCredentials"/>. This city holds no record
    /// of another city's citizens, so what such a pass claims about an e-ID or a social-security card is that city's
    /// word alone: none by default (health only), and a venue opts in per credential. Only v1 passes (the transition) show
    /// another city their credentials; a v2 pass seals them for its issuer (docs/pass-token.md, "Who reads what").
    /// </summary>
    public Credentials ForeignCredentials { get; init; } = Credentials.None;

    /// <summary>
    /// An offline gate's answer to an entry it cannot decide alone (a booking or the capacity): deny by default.
    /// Only gates read it; online the server decides everything.
    /// </summary>
    public OfflineUndecidable OfflineUndecidable { get; init; } = OfflineUndecidable.Deny;

    /// <summary>
    /// The venue asks who comes in (a library lending books, a hospital registering patients): an allowed entry's answer
    /// carries the citizen's member id at this venue and the claims of <see cref="IdentifyClaims"/> they consented to
    /// share with venues of this kind (Identify on the server). False (the default): the scan does nothing more.
    /// </summary>
    public bool Identify { get; init; }

    /// <summary>The claims the venue asks for besides the member id; only with <see cref="Identify"/>.</summary>
    public IdentityClaims IdentifyClaims { get; init; }

    /// <summary>Whether an entry here needs a fact only the server holds: a booking, or the occupancy against a capacity.</summary>
    public bool NeedsServerFacts => RequiresBooking || Capacity is not null;

    public static VenuePolicy Default { get; } = new();

    /// <summary>What is wrong with this policy, in words for the operator; empty when it is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if ((AllowedColours & ~StatusColours.All) != 0) errors.Add("Allowed colours contain an unknown colour.");
        if ((RequiredCredentials & ~CredentialsExtensions.Known) != 0) errors.Add("Required credentials contain an unknown credential.");
        if ((ForeignCredentials & ~CredentialsExtensions.Known) != 0) errors.Add("Foreign credentials contain an unknown credential.");
        if ((IdentifyClaims & ~IdentityClaimsExtensions.Known) != 0) errors.Add("Identify claims contain an unknown claim.");
        if (IdentifyClaims != IdentityClaims.None && !Identify) errors.Add("Identify claims are asked for only by a venue that identifies its visitors (identify).");
        if (!Enum.IsDefined(OfflineUndecidable)) errors.Add("The offline setting is deny or allow_and_flag.");
        if (Capacity is < 0 or > 1_000_000) errors.Add("Capacity is between 0 and 1,000,000.");
        if (Hours is not null) errors.AddRange(Hours.Validate());
        return errors;
    }
}
