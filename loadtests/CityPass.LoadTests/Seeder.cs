using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace CityPass.LoadTests;

/// <summary>What the seeding made and how long each bulk path took.</summary>
public sealed record SeedResult(int Citizens, int CitizensRejected, int Venues, int Gates, double CitizensSeconds, double VenuesSeconds, double GatesSeconds,
    IReadOnlyList<string> GateCredentials);

/// <summary>
/// Seeds through the API's bulk paths, as a city would on day one: citizens by CSV import (streamed
/// and batched by the server), then venues, their policies, gates and device credentials, with a
/// progress bar for each.
/// </summary>
public sealed class Seeder(CityPassApi api, RunOptions options)
{
    /// <summary>Rows per import request: each is one streamed CSV the server batches by 1,000.</summary>
    public const int ImportChunk = 10_000;

    private const int Parallelism = 8;

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];
    private static readonly string[] Given = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"];
    private static readonly string[] Kinds = ["library", "clinic", "theatre", "housing_estate", "museum", "sports_hall", "school", "market"];

    /// <summary>The phone of the i-th seeded citizen (0-based): unique, and apart from the demo's.</summary>
    public static string Phone(int i) => "+86139" + i.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The external id (the city's own key) of the i-th seeded citizen (0-based).</summary>
    public static string ExternalId(int i) => "LOAD-" + (i + 1).ToString("D7", CultureInfo.InvariantCulture);

    public async Task<SeedResult> SeedAsync(string adminToken)
    {
        SeedResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var citizens = ctx.AddTask($"citizens (import, {ImportChunk:N0} a request)", maxValue: options.Citizens);
                // The grain run seeds no venue or gate (none is on its paths).
                var venues = options.Venues > 0 ? ctx.AddTask("venues + policies", maxValue: options.Venues) : null;
                var gates = options.Gates > 0 ? ctx.AddTask("gates + credentials", maxValue: options.Gates) : null;

                var sw = Stopwatch.StartNew();
                var created = 0;
                var rejected = 0;
                for (var start = 0; start < options.Citizens; start += ImportChunk)
                {
                    var count = Math.Min(ImportChunk, options.Citizens - start);
                    var report = await api.ImportCsvAsync(adminToken, Csv(start, count));
                    created += report.Created + report.Updated + report.Unchanged;
                    rejected += report.Rejected;
                    citizens.Increment(count);
                }
                var citizensSeconds = sw.Elapsed.TotalSeconds;

                sw.Restart();
                var venueIds = new Guid[options.Venues];
                await Parallel.ForAsync(0, options.Venues, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
                {
                    var kind = Kinds[i % Kinds.Length];
                    var id = await api.CreateVenueAsync(adminToken, $"Load venue {i + 1:D4}", kind, $"{i + 1} Load Test Road");
                    if (Policy(i) is { } policy) await api.SetPolicyAsync(adminToken, id, policy);
                    venueIds[i] = id;
                    venues!.Increment(1);
                });
                var venuesSeconds = sw.Elapsed.TotalSeconds;

                sw.Restart();
                var perVenue = options.Venues > 0 ? options.Gates / options.Venues : 0;
                var credentials = new string[options.Gates];
                await Parallel.ForAsync(0, options.Gates, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
                {
                    var gate = await api.CreateGateAsync(adminToken, venueIds[i / perVenue], $"Gate {i % perVenue + 1}");
                    credentials[i] = await api.IssueCredentialAsync(adminToken, gate);
                    gates!.Increment(1);
                });
                result = new SeedResult(created, rejected, options.Venues, options.Gates, citizensSeconds, venuesSeconds, sw.Elapsed.TotalSeconds, credentials);
            });
        return result!;
    }

    /// <summary>
    /// A mix of the policies a city has, so scans take the script's different branches: most venues
    /// keep the default (green only, anti-passback); every fifth has a capacity, every fifth opening
    /// hours (evaluated per scan in C#), every tenth admits yellow too.
    /// </summary>
    private static object? Policy(int i) => (i % 10) switch
    {
        0 => new { allowedColours = new[] { "green" }, capacity = 100_000, antiPassback = true },
        1 => new
        {
            allowedColours = new[] { "green" }, antiPassback = true,
            openingHours = new
            {
                timeZone = "Asia/Shanghai",
                periods = Enum.GetNames<DayOfWeek>().Select(d => new { day = d.ToLowerInvariant(), opens = "00:00", closes = "23:59" }).ToArray(),
            },
        },
        2 => new { allowedColours = new[] { "green", "yellow" }, antiPassback = true },
        5 => new { allowedColours = new[] { "green" }, capacity = 100_000, antiPassback = false },
        6 => new
        {
            allowedColours = new[] { "green" }, antiPassback = true,
            openingHours = new
            {
                timeZone = "Asia/Shanghai",
                periods = Enum.GetNames<DayOfWeek>().Select(d => new { day = d.ToLowerInvariant(), opens = "00:00", closes = "23:59" }).ToArray(),
            },
        },
        _ => null,
    };

    private static string Csv(int start, int count)
    {
        var random = new Random(start);
        var sb = new StringBuilder(count * 64).Append("externalId,phone,fullName,credentials\n");
        for (var i = start; i < start + count; i++)
        {
            var name = Surnames[random.Next(Surnames.Length)] + Given[random.Next(Given.Length)];
            var credentials = new List<string>(3);
            if (random.Next(10) < 9) credentials.Add("health_record");
            if (random.Next(10) < 8) credentials.Add("eid_verified");
            if (random.Next(10) < 6) credentials.Add("social_security_card");
            sb.Append(CultureInfo.InvariantCulture, $"{ExternalId(i)},{Phone(i)},{name},{string.Join(';', credentials)}\n");
        }
        return sb.ToString();
    }
}
