using CityPass.Server.Audit;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Operators;
using CityPass.Server.Stores.Postgres;
using CityPass.Server.Tracing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.TracingLoad;

/// <summary>
/// Times the server's own trace, <see cref="TracingService.TraceAsync"/> on the real PostgreSQL stores (the venues'
/// lookup, both range reads, the overlap rule and the audit entry: all a request does but HTTP), for index citizens
/// drawn at random, over the whole seeded window. A few traces first warm the connection pool and the plans; they are
/// not counted. Writes one line per case (tab-separated) and the EXPLAIN ANALYZE of one case's two statements.
/// </summary>
internal static class Measurement
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, SeedPlan plan, int cases, string label, string outDir)
    {
        var options = new TracingOptions();
        var store = new PostgresContactTracingStore(dataSource);
        var caseStore = new PostgresCaseStore(dataSource);
        var opened = await caseStore.CreateAsync(new CaseDraft(CaseType.ConfirmedInfection, "load test", "tracing-load", "", DateTimeOffset.UtcNow, "tracing-load"),
            c => new AuditDraft(c.OpenedAt, "tracing-load", "case.open", $"case:{c.Id}", null, c.Type.ToString(), "load test", c.Id.ToString()), CancellationToken.None);
        var service = new TracingService(store, caseStore, new PostgresVenueStore(dataSource), new PostgresAuditLog(dataSource), Options.Create(options), TimeProvider.System);
        var scope = new AccessScope(Guid.NewGuid(), "tracing-load", OperatorRole.HealthAuthority, new HashSet<Guid>());
        var from = plan.Start.ToString("O", CultureInfo.InvariantCulture);
        var to = plan.End.ToString("O", CultureInfo.InvariantCulture);
        var rng = new Random(7);

        async Task<(double Ms, TraceView View)> TraceAsync(string citizen)
        {
            var clock = Stopwatch.StartNew();
            var outcome = await service.TraceAsync(scope, opened.Id, new TraceRequest(citizen, from, to, null, null), CancellationToken.None);
            var ms = clock.Elapsed.TotalMilliseconds;
            return outcome.Failure is { } f ? throw new InvalidOperationException($"trace failed: {f.Code} {f.Title}") : (ms, outcome.Value!);
        }

        for (var i = 0; i < 5; i++) await TraceAsync(plan.Citizen(rng.Next(plan.Citizens)).ToString("x32", CultureInfo.InvariantCulture));

        var lines = new StringBuilder("size\tcase\tcitizen\tvisits\tscans_read\texposed\tms\n");
        var results = new List<(int Visits, long ScansRead, int Exposed, double Ms, string Citizen)>();
        var progress = new ProgressBar($"trace {label}", cases, "cases", 1, "");
        for (var c = 0; c < cases; c++)
        {
            var citizen = plan.Citizen(rng.Next(plan.Citizens)).ToString("x32", CultureInfo.InvariantCulture);
            var (ms, view) = await TraceAsync(citizen);
            var scansRead = await ScansReadAsync(store, options, citizen, plan);
            results.Add((view.Visits.Count, scansRead, view.ExposedCitizens, ms, citizen));
            lines.Append(CultureInfo.InvariantCulture, $"{label}\t{c + 1}\t{citizen}\t{view.Visits.Count}\t{scansRead}\t{view.ExposedCitizens}\t{ms:F1}\n");
            progress.Add(1);
        }
        progress.Finish();
        await File.WriteAllTextAsync(Path.Combine(outDir, $"cases-{label}.tsv"), lines.ToString());

        var times = results.Select(r => r.Ms).Order().ToArray();
        // Least squares of time on visits: the cost of one more visit, and what a trace costs with none.
        var (slope, intercept) = Fit(results.Select(r => ((double)r.Visits, r.Ms)).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary\t{label}\t{cases}\t{Quantile(times, 0.5):F1}\t{Quantile(times, 0.95):F1}\t{times[^1]:F1}\t{results.Average(r => r.Visits):F1}\t{results.Max(r => r.Visits)}\t{results.Average(r => r.ScansRead):F0}\t{results.Average(r => r.Exposed):F0}\t{slope:F2}\t{intercept:F1}"));

        var median = results.OrderBy(r => r.Visits).ElementAt(results.Count / 2);
        await File.WriteAllTextAsync(Path.Combine(outDir, $"explain-{label}.txt"), await ExplainAsync(dataSource, store, options, median.Citizen, plan));
    }

    /// <summary>How many scans the venue read of a trace returns (its windows' rows), counted apart from the timing.</summary>
    private static async Task<long> ScansReadAsync(PostgresContactTracingStore store, TracingOptions options, string citizen, SeedPlan plan)
    {
        var windows = await WindowsAsync(store, options, citizen, plan);
        var around = await store.VenueScansAsync(windows, options.MaxScansPerVisit, CancellationToken.None);
        return around.Sum(a => (long)a.Count);
    }

    private static async Task<List<VenueWindow>> WindowsAsync(PostgresContactTracingStore store, TracingOptions options, string citizen, SeedPlan plan)
    {
        var id = CitizenPseudonym.TryParse(citizen, out var parsed) ? parsed : throw new ArgumentException("not a citizen id", nameof(citizen));
        var own = await store.CitizenScansAsync(id, plan.Start, plan.End + options.MaxVisit, options.MaxVisits * 2 + 1, CancellationToken.None);
        // The seeded venues' types, as the service finds them in the venues table.
        var types = Enumerable.Range(0, plan.Venues).ToDictionary(plan.VenueId, v => SeedPlan.VenueTypes[plan.TypeOf(v)].Type);
        return ContactTracer.Visits(own, v => options.DwellFor(types.GetValueOrDefault(v)), options.MaxVisit)
            .Where(v => v.Entry >= plan.Start && v.Entry < plan.End)
            .Select(v => ContactTracer.WindowAround(v, options.MaxVisit)).ToList();
    }

    private static async Task<string> ExplainAsync(NpgsqlDataSource dataSource, PostgresContactTracingStore store, TracingOptions options, string citizen, SeedPlan plan)
    {
        var id = CitizenPseudonym.TryParse(citizen, out var parsed) ? parsed : throw new ArgumentException("not a citizen id", nameof(citizen));
        var windows = await WindowsAsync(store, options, citizen, plan);
        var text = new StringBuilder($"-- citizen {citizen}: {windows.Count} visits\n-- CitizenScansSql\n");
        await using (var own = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + PostgresContactTracingStore.CitizenScansSql))
        {
            own.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = SeedPlan.ToUuid(id.Value) });
            own.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = plan.Start });
            own.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = plan.End + options.MaxVisit });
            own.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.MaxVisits * 2 + 1 });
            await using var reader = await own.ExecuteReaderAsync();
            while (await reader.ReadAsync()) text.AppendLine(reader.GetString(0));
        }
        text.AppendLine("-- VenueScansSql");
        await using (var around = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + PostgresContactTracingStore.VenueScansSql))
        {
            around.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = windows.Select(w => w.VenueId).ToArray() });
            around.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = windows.Select(w => w.From).ToArray() });
            around.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = windows.Select(w => w.To).ToArray() });
            around.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.MaxScansPerVisit });
            await using var reader = await around.ExecuteReaderAsync();
            while (await reader.ReadAsync()) text.AppendLine(reader.GetString(0));
        }
        return text.ToString();
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static (double Slope, double Intercept) Fit(List<(double X, double Y)> points)
    {
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        var slope = sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        return (slope, my - slope * mx);
    }
}
