using System.Globalization;
using CityPass.Server.Stores.Postgres;
using CityPass.TracingLoad;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// citypass-tracing-load <migrate|seed|measure|purge> --postgres CS [--scans N --citizens N --venues N --days N --cases N --purge-days N --label L --out DIR]
// loadtests/contact-tracing/run.sh drives it; see README.md beside it.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
long Number(string name, long fallback) => long.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var plan = new SeedPlan(Number("scans", 5_000_000), (int)Number("citizens", 100_000), (int)Number("venues", 500), (int)Number("days", 14),
    DateOnly.Parse(Get("first-day", "2026-11-17"), CultureInfo.InvariantCulture), (ulong)Number("seed", 16));
await using var dataSource = NpgsqlDataSource.Create(Get("postgres", Environment.GetEnvironmentVariable("CITYPASS_POSTGRES") ?? ""));
var outDir = Get("out", ".");
switch (args.FirstOrDefault())
{
    case "migrate":
        // The server's own migrator: the schema is exactly what the server runs on.
        foreach (var name in await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None)) Console.Error.WriteLine($"applied {name}");
        return 0;
    case "seed":
        await Seeder.RunAsync(dataSource, plan, Get("label", "run"));
        return 0;
    case "measure":
        await Measurement.RunAsync(dataSource, plan, (int)Number("cases", 50), Get("label", "run"), outDir);
        return 0;
    case "purge":
        return await PurgeCheck.RunAsync(dataSource, plan, (int)Number("purge-days", 2), outDir);
    default:
        Console.Error.WriteLine("usage: citypass-tracing-load <migrate|seed|measure|purge> --postgres CONNECTION [options]");
        return 2;
}
