namespace CityPass.Gate;

/// <summary>How a gate trades waiting for the server against deciding alone. The defaults suit a turnstile.</summary>
public sealed class GateOptions
{
    /// <summary>
    /// The most a scan waits for the server, the retry included, before the gate decides offline. Above the server's own
    /// scan budget (250 ms), so a server that is up answers, if only with a 503, before the gate gives up on it.
    /// </summary>
    public TimeSpan OnlineBudget { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// After the server failed a scan, how long the gate decides offline without asking it first: a server that is down
    /// costs the first scan the budget, not every scan. The next scan after this asks again.
    /// </summary>
    public TimeSpan OfflineFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far the gate's clock may be from the server's (measured at each bundle fetch from the response's Date) for
    /// offline decisions: beyond it the gate cannot tell an expired pass from a live one, and refuses offline.
    /// </summary>
    public TimeSpan MaxClockDrift { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Entries per upload request; the server takes at most 500.</summary>
    public int UploadBatchSize { get; set; } = 500;

    /// <summary>For fetching the bundle and uploading the journal, which no one waits on at the door.</summary>
    public TimeSpan BackgroundTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long uploaded journal rows are kept (without the pass text, dropped at upload) for the gate's own status.</summary>
    public TimeSpan KeepUploadedFor { get; set; } = TimeSpan.FromDays(7);

    public void Validate()
    {
        if (OnlineBudget < TimeSpan.FromMilliseconds(20) || OnlineBudget > TimeSpan.FromSeconds(10)) throw new ArgumentOutOfRangeException(nameof(OnlineBudget), OnlineBudget, "The online budget is between 20 ms and 10 s.");
        if (OfflineFor < TimeSpan.Zero || OfflineFor > TimeSpan.FromMinutes(5)) throw new ArgumentOutOfRangeException(nameof(OfflineFor), OfflineFor, "OfflineFor is between 0 and 5 minutes.");
        if (MaxClockDrift <= TimeSpan.Zero || MaxClockDrift > TimeSpan.FromMinutes(5)) throw new ArgumentOutOfRangeException(nameof(MaxClockDrift), MaxClockDrift, "The clock drift limit is between 0 and 5 minutes.");
        if (UploadBatchSize is < 1 or > 500) throw new ArgumentOutOfRangeException(nameof(UploadBatchSize), UploadBatchSize, "The upload batch is 1 to 500 entries.");
    }
}
