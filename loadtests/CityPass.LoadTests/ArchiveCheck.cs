using System.Diagnostics;
using CityPass.Redis;
using Npgsql;

namespace CityPass.LoadTests;

/// <summary>The correctness verdict: every scan answered 200 is in PostgreSQL, once.</summary>
public sealed record ArchiveVerdict(
    long AnsweredScans, long ArchivedRows, long DistinctArchivedIds, long Missing, long ArchivedButNotSeenAnswered,
    long RetriesChecked, double CatchUpSeconds, IReadOnlyList<Guid> MissingSample)
{
    /// <summary>No answered scan missing, no scan id twice.</summary>
    public bool Passed => Missing == 0 && ArchivedRows == DistinctArchivedIds;
}

/// <summary>
/// Waits until the scan archiver has drained every Redis stream into PostgreSQL, then compares the
/// set of scan ids answered 200 (from wrk's logs) with <c>SELECT scan_id FROM scans</c>.
/// </summary>
public static class ArchiveCheck
{
    public static async Task<ArchiveVerdict> RunAsync(RedisClient redis, string postgres, ScanLogs logs, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        long lastCount = -1;
        var stableSince = TimeSpan.Zero;
        while (true)
        {
            var backlog = await BacklogAsync(redis);
            var count = await ScalarAsync(postgres, "SELECT count(*) FROM scans");
            if (count != lastCount) (lastCount, stableSince) = (count, sw.Elapsed);
            // Drained (the archiver trims what it has inserted) and the table has stopped growing.
            if (backlog == 0 && sw.Elapsed - stableSince > TimeSpan.FromSeconds(2)) break;
            if (sw.Elapsed > timeout) break;
            await Task.Delay(250);
        }
        var catchUp = sw.Elapsed.TotalSeconds;

        var archived = new HashSet<Guid>();
        long rows = 0;
        await using (var c = new NpgsqlConnection(postgres))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT scan_id FROM scans", c);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                rows++;
                archived.Add(r.GetGuid(0));
            }
        }
        var missing = logs.Answered.Where(id => !archived.Contains(id)).ToList();
        var unseen = archived.Count(id => !logs.Answered.Contains(id));
        return new ArchiveVerdict(logs.Answered.Count, rows, archived.Count, missing.Count, unseen, logs.RetriesChecked, catchUp, missing.Take(10).ToList());
    }

    /// <summary>Scan records waiting in the Redis streams for the archiver.</summary>
    public static async Task<long> BacklogAsync(RedisClient redis)
    {
        long backlog = 0;
        for (var shard = 0; shard < 16; shard++) backlog += (await redis.ExecuteAsync("XLEN", $"cp:{{s:{shard}}}:scans")).AsInt64();
        return backlog;
    }

    private static async Task<long> ScalarAsync(string postgres, string sql)
    {
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
