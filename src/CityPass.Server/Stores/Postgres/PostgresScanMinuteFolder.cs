using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Moves the roll-ups' deltas (scan_minute_deltas, appended by archive statements of a busy city) into scan_minutes, every
/// <see cref="Interval"/>: the deltas of many statements summed into one upsert per minute, venue, outcome and direction,
/// which is what makes the roll-ups cheap under load (migration 0020). Reads add the deltas not folded yet, so how late a
/// fold comes changes no answer, only how many rows a read sums; a fold that fails is retried at the next tick.
/// <para>
/// The folded deltas are emptied with TRUNCATE, not deleted row by row: at half load that is some 30,000 rows every
/// 10 s, whose deletion and vacuuming were about a third of what the roll-ups' writes cost the database
/// (docs/performance.md#city-dashboard-issue-17). So a fold first locks the table against appends (EXCLUSIVE: readers
/// go on), sums and upserts everything in it, then truncates it, and readers wait only for the truncate's commit. An
/// archive statement that comes meanwhile waits for the fold (tens of milliseconds) and appends to the emptied table;
/// a reader's statement sees the deltas before the fold's commit and scan_minutes as they were, or both after it
/// (READ COMMITTED takes its snapshot once its locks are granted). A backlog (folds failing for long while archivers
/// append) is folded at once the same way, the appends waiting for it.
/// </para>
/// One replica folds at a time (a transaction-level advisory lock; the others skip that tick), and a fold that cannot
/// lock the table within <see cref="LockTimeout"/> (a long statement holding it) skips its tick too. A sparse archive
/// statement upserting the same rows as the fold takes its row locks in the same key order, so one waits for the other
/// and they never deadlock.
/// </summary>
public sealed partial class PostgresScanMinuteFolder(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<PostgresScanMinuteFolder> logger)
    : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a fold waits to lock the deltas before leaving them to the next tick; appends queue behind it meanwhile.</summary>
    public static TimeSpan LockTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The statements of one fold, in one transaction; public for the load test, which runs the store's own statements.</summary>
    public const string LockSql = "LOCK TABLE scan_minute_deltas IN EXCLUSIVE MODE";

    /// <inheritdoc cref="LockSql"/>
    public const string FoldSql = """
        WITH grouped AS (
            SELECT minute, venue_id, code, direction, sum(scans) AS scans, count(*) AS deltas
            FROM scan_minute_deltas GROUP BY 1, 2, 3, 4
        ), summed AS (
            INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
            SELECT minute, venue_id, code, direction, scans FROM grouped
            WHERE scans <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = scan_minutes.scans + excluded.scans
        )
        SELECT coalesce(sum(deltas), 0)::int FROM grouped
        """;

    /// <inheritdoc cref="LockSql"/>
    public const string EmptySql = "TRUNCATE scan_minute_deltas";

    /// <summary>
    /// Folds every delta there is; returns how many were folded, or null when another replica was folding or the
    /// deltas could not be locked in time.
    /// </summary>
    public async Task<int?> FoldOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({AdvisoryLocks.ScanMinuteFold})", connection, transaction))
        {
            if (!(bool)(await claim.ExecuteScalarAsync(cancellationToken))!) return null;
        }
        try
        {
            await using var wait = new NpgsqlCommand($"SET LOCAL lock_timeout = {(int)LockTimeout.TotalMilliseconds}; {LockSql}", connection, transaction);
            await wait.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            LogLockBusy(logger);
            return null;
        }
        await using var fold = new NpgsqlCommand(FoldSql, connection, transaction);
        var folded = (int)(await fold.ExecuteScalarAsync(cancellationToken))!;
        if (folded > 0)
        {
            await using var empty = new NpgsqlCommand(EmptySql, connection, transaction);
            await empty.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return folded;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FoldOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing is lost: the deltas stay, reads still count them, and the next tick folds them.
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan roll-ups: folding the deltas failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan roll-ups: the deltas were busy past the fold's lock timeout; folding at the next tick")]
    private static partial void LogLockBusy(ILogger logger);
}
