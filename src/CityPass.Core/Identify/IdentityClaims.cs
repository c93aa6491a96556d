namespace CityPass.Core.Identify;

/// <summary>
/// What a venue that identifies its visitors (a library lending books, a hospital registering patients) may be told about
/// a citizen on an allowed entry, besides the member id: only those the venue's policy asks for
/// (its policy's IdentifyClaims) and the citizen consented to for that kind of venue. The bit values
/// are stored (consents, the disclosure log): add new claims at the next free bit, never renumber.
/// </summary>
[Flags]
public enum IdentityClaims
{
    None = 0,
    /// <summary>The masked name the gate shows anyway (张*三): lets the desk match the member to the person.</summary>
    MaskedName = 1 << 0,
    /// <summary>The age band (<see cref="AgeBands"/>), from the citizen's birth year; absent when none is on record.</summary>
    AgeBand = 1 << 1,
    /// <summary>Whether the citizen's identity was verified against the national e-ID (true or false, never the number).</summary>
    EIdVerified = 1 << 2,
}

public static class IdentityClaimsExtensions
{
    public const IdentityClaims Known = IdentityClaims.MaskedName | IdentityClaims.AgeBand | IdentityClaims.EIdVerified;

    public const string MaskedNameWire = "masked_name";
    public const string AgeBandWire = "age_band";
    public const string EIdVerifiedWire = "eid_verified";

    /// <summary>The wire names of all claims, in bit order: what the API and the H5 page list.</summary>
    public static IReadOnlyList<string> AllWireNames { get; } = [MaskedNameWire, AgeBandWire, EIdVerifiedWire];

    /// <summary>snake_case names of the set bits, in bit order: masked_name, age_band, eid_verified.</summary>
    public static IReadOnlyList<string> ToWireNames(this IdentityClaims claims)
    {
        var names = new List<string>(3);
        if ((claims & IdentityClaims.MaskedName) != 0) names.Add(MaskedNameWire);
        if ((claims & IdentityClaims.AgeBand) != 0) names.Add(AgeBandWire);
        if ((claims & IdentityClaims.EIdVerified) != 0) names.Add(EIdVerifiedWire);
        return names;
    }

    public static bool TryParseWireName(string? name, out IdentityClaims claim)
    {
        claim = name switch
        {
            MaskedNameWire => IdentityClaims.MaskedName,
            AgeBandWire => IdentityClaims.AgeBand,
            EIdVerifiedWire => IdentityClaims.EIdVerified,
            _ => IdentityClaims.None,
        };
        return claim != IdentityClaims.None;
    }

    /// <summary>The set named by <paramref name="names"/>, or false with the first name that is not a claim.</summary>
    public static bool TryParseWireNames(IEnumerable<string?> names, out IdentityClaims claims, out string? unknown)
    {
        claims = IdentityClaims.None;
        unknown = null;
        foreach (var name in names)
        {
            if (!TryParseWireName(name, out var c))
            {
                unknown = name ?? "null";
                return false;
            }
            claims |= c;
        }
        return true;
    }
}
