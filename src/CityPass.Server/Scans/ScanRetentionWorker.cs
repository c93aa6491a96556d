using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Scans;

/// <summary>How long scan records are kept: configuration section "Scans".</summary>
public sealed class ScanRetentionOptions
{
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;
}

/// <summary>
/// Once an hour (and once at start) drops scan records older than the retention period. In
/// PostgreSQL that is mostly dropping whole day partitions, so it stays cheap however many scans a
/// day brings. Every replica runs it; the purge is idempotent and serialized in the store.
/// </summary>
public sealed partial class ScanRetentionWorker(
    IScanStore scans, IOptions<ScanRetentionOptions> options, TimeProvider timeProvider, ILogger<ScanRetentionWorker> logger) : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromHours(1);

    /// <summary>One purge with the cutoff "now minus the retention period"; returns how many records went.</summary>
    public async Task<long> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays);
        var removed = await scans.PurgeBeforeAsync(cutoff, cancellationToken);
        LogPurged(logger, removed, cutoff);
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed purge is retried next hour; records only stay a little longer.
                LogFailed(logger, e);
            }
            await Task.Delay(Interval, timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan retention: removed {Removed} scan records decided before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, long removed, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan retention: purge failed; retrying in an hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
