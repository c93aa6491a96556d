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

    /// <summary>
    /// How long the hot state keeps a scan's first answer for the gate's retries. A retry that is still live (its
    /// scannedAt within <see cref="LateAfter"/> of now) comes at most LateAfter plus the skew a gate's clock may run
    /// ahead after the first decision; a later retry is a late upload, and those are looked up in the archive first
    /// (<see cref="ScanService"/>). The margin on top is for the archiver's lag, so the answer is in PostgreSQL before
    /// it leaves Redis. Short on purpose: every answer in the window is Redis memory, and rewritten with its
    /// append-only file (12 minutes at the defaults; at 10,000 scans/s a 24-hour window was 864 million answers).
    /// </summary>
    public TimeSpan DedupeWindow => LateAfter + ScanService.MaxScannedAtFuture + ArchiveLagAllowance;

    private static readonly TimeSpan ArchiveLagAllowance = TimeSpan.FromMinutes(5);

    public IEnumerable<string> Validate()
    {
        if (BudgetMilliseconds is < 20 or > 10_000) yield return "Scans:BudgetMilliseconds is between 20 and 10000.";
        if (LateAfterSeconds is < 10 or > 86_400) yield return "Scans:LateAfterSeconds is between 10 and 86400.";
    }
}
