namespace CityPass.Server.Scans;

/// <summary>When a scan counts as uploaded late: configuration section "Scans".</summary>
public sealed class LateScanOptions
{
    /// <summary>
    /// A scan whose scannedAt is older than the server's now by more than this is a late upload: recorded with its
    /// own time and flagged, decided by the same rules, but it describes the past, so it moves no live occupancy,
    /// presence or replay mark. Well above any network delay, so a gate that is merely slow is never late.
    /// </summary>
    public int LateAfterSeconds { get; set; } = 120;

    public TimeSpan LateAfter => TimeSpan.FromSeconds(LateAfterSeconds);

    public bool IsLateUpload(DateTimeOffset scannedAt, DateTimeOffset now) => now - scannedAt > LateAfter;

    public IEnumerable<string> Validate()
    {
        if (LateAfterSeconds is < 10 or > 86_400) yield return "Scans:LateAfterSeconds is between 10 and 86400.";
    }
}
