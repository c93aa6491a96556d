using System.Diagnostics;
using System.Text.Json.Serialization;
using Npgsql;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// What identifies a scan record: the scan id is the gate's own, so two gates may send the same one
/// and both scans must be in the archive.
/// </summary>
public readonly record struct ScanKey(Guid GateId, Guid ScanId);

/// <summary>The correctness verdict: every scan answered 200 is in PostgreSQL, once.</summary>
public sealed record ArchiveVerdict(
    long AnsweredScans, long ArchivedRows,
    // Distinct (gate, scan id) pairs; the JSON name is the one older results.json files have.
    [property: JsonPropertyName("distinctArchivedIds")] long DistinctArchivedKeys,
    long Missing, long ArchivedButNotSeenAnswered,
    long RetriesChecked, double CatchUpSeconds, IReadOnlyList<ScanKey> MissingSample)
{
    /// <summary>No answered scan missing, no (gate, scan id) twice.</summary>
    public bool Passed => Missing == 0 && ArchivedRows == DistinctArchivedKeys;
}

/// <summary>
/// Waits until the scan archiver has drained every Redis stream into PostgreSQL, then compares the
/// set of (gate, scan id) answered 200 (from wrk's logs) with <c>SELECT gate_id, scan_id FROM scans</c>.
/// </summary>
public static class ArchiveCheck
{
    public static async Task<ArchiveVerdict> RunAsync(IDatabase redis, string postgres, ScanLogs logs, TimeSpan timeout)
    {
        var catchUp = await WaitUntilArchivedAsync(redis, postgres, timeout);
        return Compare(logs.Answered, await ReadArchivedAsync(postgres), logs.RetriesChecked, catchUp);
    }

    /// <summary>Waits until the streams are drained and the table has stopped growing (or the timeout); the seconds it took.</summary>
    public static async Task<double> WaitUntilArchivedAsync(IDatabase redis, string postgres, TimeSpan timeout)
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
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Every archived row's (gate, scan id), a row each: a key twice is a scan recorded twice.</summary>
    public static async Task<List<ScanKey>> ReadArchivedAsync(string postgres)
    {
        var archived = new List<ScanKey>();
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT gate_id, scan_id FROM scans WHERE NOT withdrawn", c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) archived.Add(new ScanKey(r.GetGuid(0), r.GetGuid(1)));
        return archived;
    }

    /// <summary>The verdict on the archived rows' keys against the keys answered 200.</summary>
    public static ArchiveVerdict Compare(IReadOnlySet<ScanKey> answered, IReadOnlyCollection<ScanKey> archivedRows, long retriesChecked, double catchUpSeconds)
    {
        var archived = archivedRows.ToHashSet();
        var missing = answered.Where(key => !archived.Contains(key)).ToList();
        var unseen = archived.Count(key => !answered.Contains(key));
        return new ArchiveVerdict(answered.Count, archivedRows.Count, archived.Count, missing.Count, unseen, retriesChecked, catchUpSeconds, missing.Take(10).ToList());
    }

    /// <summary>Scan records waiting in the Redis streams for the archiver.</summary>
    /// <summary>Waits (at most 2 minutes) until the archiver has taken every scan out of the streams: a step starts with the archive caught up.</summary>
    public static async Task DrainAsync(IDatabase redis)
    {
        var drain = System.Diagnostics.Stopwatch.StartNew();
        while (await BacklogAsync(redis) > 0 && drain.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(200);
    }

    public static async Task<long> BacklogAsync(IDatabase redis)
    {
        long backlog = 0;
        foreach (var stream in CityPass.Server.Stores.Redis.RedisKeys.AllScanStreams) backlog += await redis.StreamLengthAsync(stream);
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
