using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Moves the roll-ups' deltas (scan_minute_deltas, appended by archive statements of a busy city) into scan_minutes, every
/// <see cref="Interval"/>: the deltas of many statements summed into one upsert per minute, venue, outcome and direction,
/// which is what makes the roll-ups cheap under load (migration 0020). Reads add the deltas not folded yet, so how late a
/// fold comes changes no answer, only how many rows a read sums; a fold that fails is retried at the next tick.
/// One replica folds at a time (a transaction-level advisory lock; the others skip that tick). The archivers' appends
/// are in its snapshot whole or left for the next fold; a sparse archive statement upserting the same rows as the fold
/// takes its row locks in the same key order, so one waits for the other and they never deadlock.
/// </summary>
public sealed partial class PostgresScanMinuteFolder(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<PostgresScanMinuteFolder> logger)
    : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Deltas folded in one transaction, so a backlog (a long outage's) is folded in bounded steps.</summary>
    public const int MaxDeltasAFold = 50_000;

    /// <summary>The fold of at most $1 deltas; public for the load test, which runs the store's own statements.</summary>
    public const string FoldSql = """
        WITH folded AS (
            DELETE FROM scan_minute_deltas
            WHERE ctid = ANY(ARRAY(SELECT ctid FROM scan_minute_deltas LIMIT $1))
            RETURNING minute, venue_id, code, direction, scans
        ), summed AS (
            INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
            SELECT minute, venue_id, code, direction, sum(scans) FROM folded
            GROUP BY 1, 2, 3, 4 HAVING sum(scans) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = scan_minutes.scans + excluded.scans
        )
        SELECT count(*)::int FROM folded
        """;

    /// <summary>
    /// Folds every delta there is, in steps of at most <see cref="MaxDeltasAFold"/>; returns how many were folded, or
    /// null when another replica was folding.
    /// </summary>
    public async Task<int?> FoldOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var claim = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({AdvisoryLocks.ScanMinuteFold})", connection, transaction))
            {
                if (!(bool)(await claim.ExecuteScalarAsync(cancellationToken))!) return total > 0 ? total : null;
            }
            await using var fold = new NpgsqlCommand(FoldSql, connection, transaction);
            fold.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxDeltasAFold });
            var folded = (int)(await fold.ExecuteScalarAsync(cancellationToken))!;
            await transaction.CommitAsync(cancellationToken);
            total += folded;
            if (folded < MaxDeltasAFold) return total;
        }
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
}
