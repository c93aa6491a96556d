namespace CityPass.Gate;

/// <summary>
/// The codes only an offline gate answers with, beside the server's decision codes and the pass's token failure codes
/// (docs/gate-sdk.md lists them all). Each says why the gate could not decide, so a door that stays shut says why.
/// </summary>
public static class OfflineCodes
{
    /// <summary>The gate never fetched a bundle: it has nothing to trust offline.</summary>
    public const string NoBundle = "offline_no_bundle";

    /// <summary>The bundle is past its maximum age (or issued in the gate's future): the gate may no longer decide by it.</summary>
    public const string BundleExpired = "offline_bundle_expired";

    /// <summary>The gate's clock is further from the server's than allowed, or was never measured: expiry cannot be judged.</summary>
    public const string ClockDrift = "offline_clock_drift";

    /// <summary>
    /// Entry here needs a booking or a capacity check, or a credential a v2 pass seals for its issuer, which only the server
    /// can check, and the venue says deny.
    /// </summary>
    public const string Undecidable = "offline_undecidable";

    /// <summary>The server refused this gate's credential (revoked): the gate stops, online and offline.</summary>
    public const string GateNotAuthorised = "gate_not_authorised";
}
