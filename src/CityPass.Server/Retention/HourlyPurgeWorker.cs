namespace CityPass.Server.Retention;

/// <summary>
/// Once at start and then every hour, one purge of what is older than the retention period ("now minus
/// <see cref="Retention"/>"). Every replica runs it; a purge must be idempotent. Driven by the <see cref="TimeProvider"/>,
/// so tests move a fake clock. A leaf: features derive from it, it imports none of them.
/// </summary>
public abstract partial class HourlyPurgeWorker(TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    /// <summary>What is purged, for the log ("Visit", "Disclosure").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan Retention { get; }

    /// <summary>Deletes what is older than <paramref name="cutoff"/>; answers how many entries went.</summary>
    protected abstract Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>One purge with the cutoff "now minus the retention period"; returns how many entries went.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - Retention;
        var removed = await PurgeAsync(cutoff, cancellationToken);
        if (removed > 0) LogPurged(logger, What, removed, cutoff);
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        do
        {
            try
            {
                await PurgeOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Retried next hour: entries only stay a little longer.
                LogFailed(logger, What, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} retention: removed {Removed} entries older than {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, string what, int removed, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} retention: purge failed; retrying in an hour")]
    private static partial void LogFailed(ILogger logger, string what, Exception exception);
}
