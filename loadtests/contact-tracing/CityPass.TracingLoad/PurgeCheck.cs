using System.Diagnostics;
using System.Globalization;
using System.Text;
using CityPass.Server.Stores.Postgres;
using Npgsql;

namespace CityPass.TracingLoad;

/// <summary>
/// The retention purge on the seeded archive, through the store's own <see cref="PostgresScanStore.PurgeBeforeAsync"/>:
/// the oldest <c>days</c> days go; every newer partition's row count and the audit log's are read before and after, and
/// must not change. (The audit chain itself is then checked by `citypass audit verify`, run by run.sh.)
/// </summary>
internal static class PurgeCheck
{
    public static async Task<int> RunAsync(NpgsqlDataSource dataSource, SeedPlan plan, int days, string outDir)
    {
        var before = await CountsAsync(dataSource);
        var auditBefore = await ScalarAsync(dataSource, "SELECT count(*) FROM audit_log");
        var cutoff = plan.Start.AddDays(days);
        var clock = Stopwatch.StartNew();
        var removed = await new PostgresScanStore(dataSource).PurgeBeforeAsync(cutoff, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var after = await CountsAsync(dataSource);
        var auditAfter = await ScalarAsync(dataSource, "SELECT count(*) FROM audit_log");

        var expectedGone = before.Where(p => string.CompareOrdinal(p.Key, Partition(cutoff)) < 0).ToList();
        var kept = before.Where(p => string.CompareOrdinal(p.Key, Partition(cutoff)) >= 0).ToList();
        var untouched = kept.All(p => after.TryGetValue(p.Key, out var n) && n == p.Value) && after.Count == kept.Count;
        var ok = untouched && removed == expectedGone.Sum(p => p.Value) && auditAfter == auditBefore;

        var table = new StringBuilder("partition\tbefore\tafter\n");
        foreach (var (name, count) in before) table.Append(CultureInfo.InvariantCulture, $"{name}\t{count}\t{(after.TryGetValue(name, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "dropped")}\n");
        await File.WriteAllTextAsync(Path.Combine(outDir, "purge-partitions.tsv"), table.ToString());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"purge\t{days}\t{removed}\t{seconds:F3}\t{expectedGone.Count}\t{kept.Count}\t{kept.Sum(p => p.Value)}\t{(untouched ? "unchanged" : "CHANGED")}\t{auditBefore}\t{auditAfter}"));
        return ok ? 0 : 1;
    }

    private static string Partition(DateTimeOffset day) => "scans_p" + day.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static async Task<SortedDictionary<string, long>> CountsAsync(NpgsqlDataSource dataSource)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT tableoid::regclass::text, count(*) FROM scans GROUP BY 1");
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
