using CityPass.Core.Tokens;

namespace CityPass.Server.Citizens;

/// <summary>Section "Passes".</summary>
public sealed class PassOptions
{
    /// <summary>How long a pass is valid; it rotates, so a photographed pass is soon worthless.</summary>
    public int LifetimeSeconds { get; set; } = 60;

    /// <summary>How much clock disagreement a verifier tolerates.</summary>
    public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>
    /// Until when v1 passes (CP1:, version and credentials in clear) are still accepted beside v2; unset for the default
    /// transition window (docs/pass-token.md). A moment in the past closes the window.
    /// </summary>
    public DateTimeOffset? AcceptV1Until { get; set; }

    /// <summary>The end of the v1 window in force: the configured one, or the default.</summary>
    public DateTimeOffset V1AcceptedUntil => AcceptV1Until ?? PassVerifierOptions.DefaultAcceptV1Until;

    public IEnumerable<string> Validate()
    {
        if (LifetimeSeconds is < 10 or > 600) yield return "Passes:LifetimeSeconds is between 10 and 600.";
        if (ClockSkewSeconds is < 0 or > 60) yield return "Passes:ClockSkewSeconds is between 0 and 60.";
    }
}
