using CityPass.Core.Citizens;
using CityPass.Core.Gates;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Gate;

/// <summary>An offline decision before it is journalled; <see cref="AllowedToken"/> is the pass to remember as used.</summary>
public sealed record OfflineVerdict(bool Allowed, string Code, string Colour, bool Flagged, TokenId? AllowedToken, DateTimeOffset TokenExpiresAt);

/// <summary>
/// Decides a scan with no server: the pass's signature against the bundle's key sets (revocations and each city's
/// trust end included), its validity by the gate's clock, and the venue policy by the same rules the server applies
/// (<see cref="EntryRules"/>). What the gate cannot know it does not guess: no booking, no occupancy, no presence
/// (anti-passback needs to know who it is, and a pass checked by signature does not say), so a venue that needs a
/// booking or has a capacity follows its <see cref="OfflineUndecidable"/> setting. A pass of the bundle's own city is
/// that city's word on its citizen, so its credentials count in full; another city's count as far as the policy says.
/// A v2 pass seals its credentials for its issuer, so a gate cannot read them: at a venue that requires a credential
/// an own v2 pass is undecidable offline too (the server checks the city's record when the journal comes in), and
/// another city's v2 pass holds none the gate could count.
/// </summary>
public sealed class OfflineDecider
{
    private readonly GateBundle _bundle;
    private readonly PassVerifier _verifier;
    private readonly TimeProvider _clock;
    private readonly VenuePolicy _decidable;
    private readonly VenuePolicy _decidableWithoutCredentials;

    public OfflineDecider(GateBundle bundle, TimeProvider gateClock)
    {
        _bundle = bundle;
        _clock = gateClock;
        _verifier = new PassVerifier(bundle.Trust(), gateClock, bundle.VerifierOptions());
        // The rules the gate can apply alone: the rest is the server's.
        _decidable = bundle.Policy with { RequiresBooking = false, Capacity = null, AntiPassback = false };
        _decidableWithoutCredentials = _decidable with { RequiredCredentials = Credentials.None };
    }

    public GateBundle Bundle => _bundle;

    /// <param name="clockDrift">The gate's clock minus the server's at the last bundle fetch; null if never measured.</param>
    /// <param name="wasSeen">Whether a token id already opened this gate's entry.</param>
    public OfflineVerdict Decide(string text, ScanDirection direction, TimeSpan? clockDrift, TimeSpan maxDrift, Func<TokenId, bool> wasSeen)
    {
        var now = _clock.GetUtcNow();
        if (!_bundle.IsUsableAt(now)) return Refuse(OfflineCodes.BundleExpired);
        if (clockDrift is not { } drift || drift.Duration() > maxDrift) return Refuse(OfflineCodes.ClockDrift);

        var verification = _verifier.VerifySignature(text);
        if (!verification.IsValid) return Refuse(verification.Code);
        var claims = verification.Claims;

        var own = claims.Issuer == _bundle.Issuer;
        var credentialsUnreadable = own && claims.Credentials is null && _bundle.Policy.RequiredCredentials != Credentials.None;
        CitizenSnapshot? ownCitizen = own
            ? new CitizenSnapshot(claims.Colour, claims.StatusVersion ?? 0, claims.Credentials ?? Credentials.None, null)
            : null;
        var replayed = direction == ScanDirection.In && wasSeen(claims.TokenId);
        var policy = credentialsUnreadable ? _decidableWithoutCredentials : _decidable;
        var decision = EntryRules.Decide(claims, ownCitizen, policy, new VenueSituation(0, false, false, replayed), direction, now);
        var colour = decision.Colour.ToWireName();
        if (!decision.Allowed) return new OfflineVerdict(false, decision.Code.ToCode(), colour, false, null, default);
        if (direction == ScanDirection.Out) return new OfflineVerdict(true, decision.Code.ToCode(), colour, false, null, default);

        var flagged = false;
        if (_bundle.Policy.NeedsServerFacts || credentialsUnreadable)
        {
            if (_bundle.Policy.OfflineUndecidable == OfflineUndecidable.Deny) return new OfflineVerdict(false, OfflineCodes.Undecidable, colour, false, null, default);
            flagged = true;
        }
        return new OfflineVerdict(true, decision.Code.ToCode(), colour, flagged, claims.TokenId, claims.ExpiresAt);
    }

    private static OfflineVerdict Refuse(string code) => new(false, code, "", false, null, default);
}
