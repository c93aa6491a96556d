using Microsoft.Extensions.Options;

namespace CityPass.Server.Estates;

/// <summary>
/// Once an hour (and once at start) purges visits whose window ended more than the retention period ago
/// (<see cref="EstateOptions.VisitRetentionDays"/>), with the tickets they wrote. Every replica runs it; the purge is
/// idempotent. Driven by the <see cref="TimeProvider"/>, so tests move a fake clock.
/// </summary>
public sealed partial class VisitRetentionWorker(IEstateStore store, IOptions<EstateOptions> options, TimeProvider timeProvider, ILogger<VisitRetentionWorker> logger)
    : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    /// <summary>One purge with the cutoff "now minus the retention period"; returns how many visits went.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.VisitRetention;
        var removed = await store.PurgeVisitsAsync(cutoff, cancellationToken);
        if (removed > 0) LogPurged(logger, removed, cutoff);
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
                // Retried next hour: visits only stay a little longer.
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Visit retention: removed {Removed} visits that ended before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int removed, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Visit retention: purge failed; retrying in an hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
