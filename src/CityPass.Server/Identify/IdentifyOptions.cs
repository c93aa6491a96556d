using System.ComponentModel.DataAnnotations;

namespace CityPass.Server.Identify;

/// <summary>Scan-to-identify: configuration section "Identify".</summary>
public sealed class IdentifyOptions
{
    public const string Section = "Identify";

    /// <summary>
    /// How long a disclosure (and a consent change) stays in the log the citizen reads; then it is purged. 180 days: long
    /// enough for a citizen to look back over a lending period or a course of treatment and question a disclosure, short
    /// enough that the log is not a years-long trail of where someone went (the scan log itself keeps far less).
    /// </summary>
    [Range(1, 3650)]
    public int DisclosureRetentionDays { get; set; } = 180;

    public TimeSpan DisclosureRetention => TimeSpan.FromDays(DisclosureRetentionDays);
}
