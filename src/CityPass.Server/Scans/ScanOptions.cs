namespace CityPass.Server.Scans;

/// <summary>The scan path's settings: configuration section "Scans" (beside <c>RetentionDays</c>, <see cref="ScanRetentionOptions"/>).</summary>
public sealed class ScanOptions
{
    /// <summary>
    /// The most a scan waits on the stores before it answers 503 store_unavailable (a gate then denies or
    /// decides offline). The hot state's script is told to do nothing if Redis only starts it after
    /// <see cref="RunDeadline"/>, so a scan refused here never takes effect later.
    /// </summary>
    public int BudgetMilliseconds { get; set; } = 250;

    public TimeSpan Budget => TimeSpan.FromMilliseconds(BudgetMilliseconds);

    /// <summary>
    /// By when Redis must have started the script: two fifths of the budget before its end, left for the answer
    /// to come back. A script that ran in time but whose answer is later still than that has taken effect
    /// behind a 503; the gate's retry with the same scan id gets that answer (dedupe), not a second entry.
    /// </summary>
    public TimeSpan RunDeadline => Budget * 0.6;

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
        if (BudgetMilliseconds is < 20 or > 10_000) yield return "Scans:BudgetMilliseconds is between 20 and 10000.";
        if (LateAfterSeconds is < 10 or > 86_400) yield return "Scans:LateAfterSeconds is between 10 and 86400.";
    }
}
