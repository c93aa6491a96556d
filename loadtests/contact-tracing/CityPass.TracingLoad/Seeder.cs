using System.Diagnostics;
using System.Globalization;
using CityPass.Core.Venues;
using CityPass.Server.Stores.Postgres;
using CityPass.Server.Venues;
using Npgsql;
using NpgsqlTypes;

namespace CityPass.TracingLoad;

/// <summary>
/// Seeds venues and the scan archive. Each UTC day is written as the store's partition would hold it: a table made
/// LIKE scans, filled by one binary COPY in the transaction that created it (so, with wal_level=minimal, no WAL), then
/// vacuumed and attached to scans, which builds the parent's indexes on it in bulk. A visit is an allowed entry and,
/// at venue types whose gates record exits, an exit (5% of them missed); 3% of entries are denied (no visit), 1% are
/// other cities' passes (no citizen). Citizens differ in how much they go out (log-normal weights), so cases have
/// from a few visits to dozens. Venues are equally busy, so the density per venue is the same at every size.
/// </summary>
internal static class Seeder
{
    private const double MissedExit = 0.05, Denied = 0.03, Foreign = 0.01;
    private static readonly string[] Names = ["张*三", "李*", "王*明", "刘**", "陈*华", "J*** S****"];

    private readonly record struct Row(long Ticks, int Venue, int Citizen, bool Exit, bool Allowed);

    public static async Task RunAsync(NpgsqlDataSource dataSource, SeedPlan plan, string label)
    {
        var total = Stopwatch.StartNew();
        await SeedVenuesAsync(dataSource, plan);
        var rowsPerVisit = 1 + SeedPlan.VenueTypes.Sum(t => t.Share * (t.Exits ? 1 - MissedExit : 0)) * (1 - Denied);
        var visitsPerDay = (long)(plan.Scans / rowsPerVisit / plan.Days);
        var rng = new Random((int)plan.Seed);
        var cumulative = CitizenWeights(plan, rng);
        var progress = new ProgressBar("seed (copy, then index)", plan.Scans * 2);
        long written = 0;
        for (var day = 0; day < plan.Days; day++)
        {
            var rows = DayRows(plan, day, visitsPerDay, cumulative, rng);
            var dayStart = plan.Start.AddDays(day);
            var table = "scans_p" + DateOnly.FromDateTime(dayStart.UtcDateTime).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            await CopyDayAsync(dataSource, plan, table, rows, rng, progress);
            await using (var attach = dataSource.CreateCommand(string.Create(CultureInfo.InvariantCulture,
                $"VACUUM (ANALYZE) {table}")))
            {
                await attach.ExecuteNonQueryAsync();
            }
            await using (var attach = dataSource.CreateCommand(string.Create(CultureInfo.InvariantCulture,
                $"ALTER TABLE scans ATTACH PARTITION {table} FOR VALUES FROM ('{dayStart:yyyy-MM-dd} 00:00:00+00') TO ('{dayStart.AddDays(1):yyyy-MM-dd} 00:00:00+00')")))
            {
                attach.CommandTimeout = 0;
                await attach.ExecuteNonQueryAsync();
            }
            progress.Add(rows.Length);
            written += rows.Length;
        }
        await using (var analyze = dataSource.CreateCommand("ANALYZE scans"))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync();
        }
        progress.Finish(string.Create(CultureInfo.InvariantCulture, $"{written:N0} scans in {total.Elapsed.TotalSeconds:F0} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded\t{label}\t{written}\t{total.Elapsed.TotalSeconds:F1}"));
    }

    private static async Task SeedVenuesAsync(NpgsqlDataSource dataSource, SeedPlan plan)
    {
        var venues = new PostgresVenueStore(dataSource);
        for (var v = 0; v < plan.Venues; v++)
        {
            var type = SeedPlan.VenueTypes[plan.TypeOf(v)].Type;
            await venues.CreateVenueAsync(new Venue(plan.VenueId(v), $"{type} {v}", type, $"{v} Load Rd", VenuePolicy.Default, plan.Start), CancellationToken.None);
        }
    }

    private static double[] CitizenWeights(SeedPlan plan, Random rng)
    {
        var cumulative = new double[plan.Citizens];
        var sum = 0.0;
        for (var c = 0; c < plan.Citizens; c++)
        {
            // Box-Muller: a normal deviate, so weights are log-normal (most people go out a little, a few a lot).
            var normal = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            sum += Math.Exp(0.9 * normal);
            cumulative[c] = sum;
        }
        return cumulative;
    }

    private static Row[] DayRows(SeedPlan plan, int day, long visits, double[] cumulative, Random rng)
    {
        var rows = new List<Row>((int)(visits * 2));
        var dayStart = plan.Start.AddDays(day).UtcTicks;
        for (long i = 0; i < visits; i++)
        {
            var venue = rng.Next(plan.Venues);
            var (_, _, exits, mean) = SeedPlan.VenueTypes[plan.TypeOf(venue)];
            var citizen = rng.NextDouble() < Foreign ? -1 : Pick(cumulative, rng.NextDouble() * cumulative[^1]);
            // Entries 08:00–21:30 in the city, i.e. 00:00–13:30 UTC.
            var entry = dayStart + (long)(rng.NextDouble() * TimeSpan.FromMinutes(13 * 60 + 30).Ticks);
            var allowed = rng.NextDouble() >= Denied;
            rows.Add(new Row(entry, venue, citizen, false, allowed));
            if (!allowed || !exits || rng.NextDouble() < MissedExit) continue;
            var minutes = Math.Min(360, 5 + (-Math.Log(1 - rng.NextDouble()) * (mean - 5)));
            rows.Add(new Row(entry + (long)(minutes * TimeSpan.TicksPerMinute), venue, citizen, true, true));
        }
        var array = rows.ToArray();
        // In time order, as the archiver appends them.
        Array.Sort(array, (a, b) => a.Ticks.CompareTo(b.Ticks));
        return array;
    }

    private static int Pick(double[] cumulative, double target)
    {
        var i = Array.BinarySearch(cumulative, target);
        return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
    }

    private static async Task CopyDayAsync(NpgsqlDataSource dataSource, SeedPlan plan, string table, Row[] rows, Random rng, ProgressBar progress)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE scans INCLUDING DEFAULTS)", connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }
        var random = new byte[32];
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {table} (scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, withdrawn) FROM STDIN (FORMAT BINARY)"))
        {
            var pending = 0;
            foreach (var r in rows)
            {
                rng.NextBytes(random);
                var decided = new DateTime(r.Ticks, DateTimeKind.Utc);
                await writer.StartRowAsync();
                await writer.WriteAsync(new Guid(random.AsSpan(0, 16)), NpgsqlDbType.Uuid);
                await writer.WriteAsync(decided, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(decided.AddMilliseconds(-80), NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(plan.GateId(r.Venue, r.Exit ? 1 : 0), NpgsqlDbType.Uuid);
                await writer.WriteAsync(plan.VenueId(r.Venue), NpgsqlDbType.Uuid);
                await writer.WriteAsync((short)(r.Exit ? ScanDirection.Out : ScanDirection.In), NpgsqlDbType.Smallint);
                await writer.WriteAsync(r.Allowed, NpgsqlDbType.Boolean);
                await writer.WriteAsync(r.Allowed ? "allowed" : "status_not_allowed", NpgsqlDbType.Text);
                await writer.WriteAsync((short)(r.Allowed ? 0 : 1), NpgsqlDbType.Smallint);
                await writer.WriteAsync(Names[random[16] % Names.Length], NpgsqlDbType.Text);
                if (r.Citizen < 0) await writer.WriteNullAsync();
                else await writer.WriteAsync(SeedPlan.ToUuid(plan.Citizen(r.Citizen)), NpgsqlDbType.Uuid);
                await writer.WriteAsync(r.Citizen < 0 ? 440100L : 310100L, NpgsqlDbType.Bigint);
                await writer.WriteAsync(new Guid(random.AsSpan(16)), NpgsqlDbType.Uuid);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                if (++pending == 10_000)
                {
                    progress.Add(pending);
                    pending = 0;
                }
            }
            await writer.CompleteAsync();
            progress.Add(pending);
        }
        await transaction.CommitAsync();
    }
}
