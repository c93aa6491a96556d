using Npgsql;

namespace CityPass.LoadTests;

/// <summary>
/// PostgreSQL's own work that finished during a step: each table's autovacuum and autoanalyze, and the checkpoints
/// (pg_stat_user_tables, pg_stat_bgwriter). An autovacuum of a partition the archive fills takes a core while it runs,
/// which on this machine's two shared cores shows in the scans' tail.
/// </summary>
public sealed record PostgresMaintenance(IReadOnlyList<PostgresMaintenance.Run> Runs, long Checkpoints)
{
    /// <param name="AtSeconds">When it finished, seconds from the step's start.</param>
    public sealed record Run(string Table, string What, double AtSeconds);

    public sealed record Counters(IReadOnlyDictionary<string, (long Vacuums, long Analyzes)> Tables, long Checkpoints);

    public static async Task<Counters> TakeAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var tables = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT relname, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables", c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) tables[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
        }
        await using var checkpoints = new NpgsqlCommand("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter", c);
        return new Counters(tables, (long)(await checkpoints.ExecuteScalarAsync())!);
    }

    /// <summary>What ran between <paramref name="before"/> and now, timed from <paramref name="stepStartedUtc"/>.</summary>
    public static async Task<PostgresMaintenance> SinceAsync(string connectionString, Counters before, DateTime stepStartedUtc)
    {
        var now = await TakeAsync(connectionString);
        var changed = now.Tables.Where(t => !before.Tables.TryGetValue(t.Key, out var b) || b != t.Value).Select(t => t.Key).ToList();
        var runs = new List<Run>();
        if (changed.Count > 0)
        {
            await using var c = new NpgsqlConnection(connectionString);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT relname, last_autovacuum, last_autoanalyze FROM pg_stat_user_tables WHERE relname = ANY(@names)", c);
            cmd.Parameters.AddWithValue("names", changed.ToArray());
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var table = r.GetString(0);
                var (vacuums, analyzes) = before.Tables.GetValueOrDefault(table);
                var (vacuumsNow, analyzesNow) = now.Tables[table];
                double At(DateTime t) => Math.Round((t.ToUniversalTime() - stepStartedUtc).TotalSeconds, 1);
                if (vacuumsNow != vacuums && !r.IsDBNull(1)) runs.Add(new Run(table, "autovacuum", At(r.GetDateTime(1))));
                if (analyzesNow != analyzes && !r.IsDBNull(2)) runs.Add(new Run(table, "autoanalyze", At(r.GetDateTime(2))));
            }
        }
        return new PostgresMaintenance([.. runs.OrderBy(x => x.AtSeconds)], now.Checkpoints - before.Checkpoints);
    }
}
