using Npgsql;

namespace CityPass.LoadTests;

/// <summary>
/// PostgreSQL's own work that finished during a step: each table's autovacuum and autoanalyze, and the checkpoints
/// (pg_stat_user_tables, pg_stat_bgwriter). An autovacuum takes a core while it reads pages it finds in shared
/// buffers, which on this machine's two shared cores shows in the scans' tail.
/// </summary>
public sealed record PostgresMaintenance(IReadOnlyList<PostgresMaintenance.Run> Runs, long Checkpoints)
{
    /// <param name="AtSeconds">When it finished, seconds from the step's start.</param>
    public sealed record Run(string Table, string What, double AtSeconds);

    /// <summary>Each table's autovacuum and autoanalyze counts and last times, and the checkpoints so far.</summary>
    public sealed record Counters(IReadOnlyDictionary<string, TableCounters> Tables, long Checkpoints);

    public sealed record TableCounters(long Vacuums, DateTime? LastVacuum, long Analyzes, DateTime? LastAnalyze);

    public static async Task<Counters> TakeAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var tables = new Dictionary<string, TableCounters>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT relname, autovacuum_count, last_autovacuum, autoanalyze_count, last_autoanalyze FROM pg_stat_user_tables", c))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            DateTime? At(int i) => r.IsDBNull(i) ? null : r.GetDateTime(i);
            while (await r.ReadAsync()) tables[r.GetString(0)] = new TableCounters(r.GetInt64(1), At(2), r.GetInt64(3), At(4));
        }
        await using var checkpoints = new NpgsqlCommand("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter", c);
        return new Counters(tables, (long)(await checkpoints.ExecuteScalarAsync())!);
    }

    /// <summary>What ran between <paramref name="before"/> and <paramref name="after"/>, timed from <paramref name="stepStartedUtc"/>.</summary>
    public static PostgresMaintenance Between(Counters before, Counters after, DateTime stepStartedUtc)
    {
        double At(DateTime t) => Math.Round((t.ToUniversalTime() - stepStartedUtc).TotalSeconds, 1);
        var runs = new List<Run>();
        foreach (var (table, now) in after.Tables)
        {
            var then = before.Tables.GetValueOrDefault(table) ?? new TableCounters(0, null, 0, null);
            if (now.Vacuums != then.Vacuums && now.LastVacuum is { } vacuumed) runs.Add(new Run(table, "autovacuum", At(vacuumed)));
            if (now.Analyzes != then.Analyzes && now.LastAnalyze is { } analyzed) runs.Add(new Run(table, "autoanalyze", At(analyzed)));
        }
        return new PostgresMaintenance([.. runs.OrderBy(x => x.AtSeconds).ThenBy(x => x.Table, StringComparer.Ordinal)], after.Checkpoints - before.Checkpoints);
    }
}
