using Microsoft.Extensions.Options;

namespace CityPass.Server.Identify;

/// <summary>
/// Once an hour (and once at start) purges disclosures and consent changes older than the retention period
/// (<see cref="IdentifyOptions.DisclosureRetentionDays"/>); consents themselves stay until withdrawn. Every replica runs it; the purge is
/// idempotent. Driven by the <see cref="TimeProvider"/>, so tests move a fake clock.
/// </summary>
public sealed partial class DisclosureRetentionWorker(IIdentityStore store, IOptions<IdentifyOptions> options, TimeProvider timeProvider, ILogger<DisclosureRetentionWorker> logger)
    : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    /// <summary>One purge with the cutoff "now minus the retention period"; returns how many entries went.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.DisclosureRetention;
        var removed = await store.PurgeAsync(cutoff, cancellationToken);
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
                // Retried next hour: entries only stay a little longer.
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Disclosure retention: removed {Removed} disclosures and consent changes from before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int removed, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Disclosure retention: purge failed; retrying in an hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
