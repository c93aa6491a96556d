using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The grain run's arithmetic: steps summed over wrk processes, CPU per request, the kept rounds, the ratios and the checks.</summary>
public sealed class GrainsResultsTests
{
    private static readonly CpuSplit Busy = new(Server: 1.2, LoadGenerator: 0.2, Redis: 0.1, Postgres: 0.05, Runner: 0.05, Other: 0.3, Idle: 0.1, Cores: 2);

    private static readonly Dictionary<string, double> Threads = new() { [ThreadCpu.ThreadPool] = 1.0, [ThreadCpu.Gc] = 0.2 };

    private static CpuUse Use(params double[] serverCores) => new(Busy, serverCores, Threads);

    private static WrkSummary Run(long requests, double ms) => LatencyQuantilesTests.Run(requests, [.. Enumerable.Repeat(ms, 1000)], max: ms, mean: ms);

    private static GrainStep Step(string endpoint, int processes, int connections, double perSecond, int round = 1)
    {
        var runs = GrainStep.SplitConnections(connections, processes)
            .Select((c, i) => (8000 + i, c, 1, Run((long)(perSecond * 10 / processes), 2.0))).ToList();
        return GrainStep.Combine($"{endpoint}-{processes}-{connections}-{round}", endpoint, round, runs, Use([.. Enumerable.Repeat(1.2 / processes, processes)]));
    }

    private static GrainsResults Results(IReadOnlyList<GrainStep> steps, SingleChanges? singles = null, BulkChange? bulk = null)
    {
        var rows = new[] { new SiloRow("S127.0.0.1:1:1", 1, "Active"), new SiloRow("S127.0.0.1:2:1", 2, "Active"), new SiloRow("S127.0.0.1:3:1", 3, "Active") };
        return new(GrainsResults.ModeName, DateTimeOffset.UnixEpoch, 8, "loadtests/run.sh --grains", new MachineInfo(2, "cpu", "linux", "10", "wrk", "redis", "pg", false),
            new Dictionary<string, string>(), new SeedResult(100_000, 0, 0, 0, 5, 0, 0, []), 1000, 4,
            [new Topology(1, [80], [1], rows[..1], 60, Use(0.1)), new Topology(3, [80, 81, 82], [1, 2, 3], rows, 60, Use(0.1, 0.1, 0.1))],
            steps,
            singles ?? new SingleChanges(2000, 4, 3, 100, 20, new LatencyStats(2000, 8, 12, 20, 30, 40, 9), new Dictionary<string, long> { ["200"] = 2000 }, 0, Use(0.4, 0.4, 0.4)),
            bulk ?? new BulkChange(10_000, 3, 202, 10_000, 0, 0, 10_000, 40, 3_000_000, Use(0.4, 0.4, 0.4)),
            []);
    }

    private static IReadOnlyList<GrainStep> Sweep() =>
    [
        Step(GrainsResults.PingEndpoint, 1, 16, 20_000), Step(GrainsResults.PassEndpoint, 1, 16, 5_000),
        Step(GrainsResults.PingEndpoint, 1, 64, 30_000), Step(GrainsResults.PassEndpoint, 1, 64, 8_000),
        Step(GrainsResults.PassEndpoint, 1, 64, 9_000, round: 2),
        Step(GrainsResults.PingEndpoint, 3, 16, 15_000), Step(GrainsResults.PassEndpoint, 3, 16, 4_000),
        Step(GrainsResults.PingEndpoint, 3, 64, 24_000), Step(GrainsResults.PassEndpoint, 3, 64, 6_300),
    ];

    [Theory]
    [InlineData(16, 3, new[] { 6, 5, 5 })]
    [InlineData(64, 3, new[] { 22, 21, 21 })]
    [InlineData(64, 1, new[] { 64 })]
    [InlineData(3, 3, new[] { 1, 1, 1 })]
    public void ConnectionsAreSplitEvenlyAndAddUp(int total, int processes, int[] expected)
    {
        Assert.Equal(expected, GrainStep.SplitConnections(total, processes));
        Assert.Equal(total, GrainStep.SplitConnections(total, processes).Sum());
    }

    [Fact]
    public void AProcessWithoutAConnectionIsRefused() => Assert.Throws<ArgumentOutOfRangeException>(() => GrainStep.SplitConnections(2, 3));

    [Fact]
    public void AStepSumsItsWrkProcessesAndMergesTheirLatency()
    {
        var step = GrainStep.Combine("pass", GrainsResults.PassEndpoint, 1,
        [
            (8001, 22, 1, Run(30_000, 1.0) with { Statuses = new Dictionary<string, long> { ["200"] = 29_999, ["503"] = 1 }, Errors = new Dictionary<string, long> { ["timeout"] = 2, ["status"] = 1 } }),
            (8002, 21, 1, Run(10_000, 4.0)),
            (8003, 21, 1, Run(10_000, 4.0)),
        ], Use(0.5, 0.4, 0.3));

        Assert.Equal((3, 64), (step.ServerProcesses, step.Connections));
        Assert.Equal(5_000, step.RequestsPerSecond, 6); // 3,000 + 1,000 + 1,000 a second
        Assert.Equal(1, step.Latency.P50);
        Assert.Equal(4, step.Latency.P90);
        Assert.Equal(50_000, step.Latency.Count);
        Assert.Equal(49_999, step.Statuses["200"]);
        Assert.Equal((1, 1, 2), (step.Count5xx, step.Non2xx, step.SocketErrors));
        Assert.Equal([8001, 8002, 8003], step.Shares.Select(s => s.ServerPort));
    }

    [Fact]
    public void CpuPerRequestIsCoresOverRequestsPerSecondInMicroseconds()
    {
        var cost = CpuCost.Of(Use(0.5, 0.4, 0.3), perSecond: 10_000);

        Assert.Equal(120, cost.Server, 9);
        Assert.Equal([50, 40, 30], cost.ByServerProcess.Select(x => Math.Round(x, 9)));
        Assert.Equal((20, 10, 5, 5, 30), (Math.Round(cost.LoadGenerator, 9), Math.Round(cost.Redis, 9), Math.Round(cost.Postgres, 9), Math.Round(cost.Runner, 9), Math.Round(cost.Other, 9)));
        Assert.Equal(100, cost.ServerByThreadKind[ThreadCpu.ThreadPool], 9);
        Assert.Equal(20, cost.ServerByThreadKind[ThreadCpu.Gc], 9);
        Assert.Equal(0, CpuCost.Of(Use(1.2), perSecond: 0).Server);
    }

    [Fact]
    public void TheBetterRoundOfEachLevelIsKeptAndTheBestLevelsAreCompared()
    {
        var run = Results(Sweep());

        Assert.Equal(8, run.Kept.Count);
        Assert.Equal(9_000, run.Best(GrainsResults.PassEndpoint, 1).RequestsPerSecond, 6);
        Assert.Equal(2, run.Best(GrainsResults.PassEndpoint, 1).Round);
        Assert.Equal((1, 3), (run.SingleProcess, run.ClusterProcesses));
        Assert.Equal(0.7, run.PassRatio, 6);
        Assert.Equal(0.8, run.PingRatio, 6);
        Assert.All(run.Checks, c => Assert.True(c.Met, c.Target));
    }

    [Fact]
    public void ABulkChangeThatMissedCitizensOrAFailedSingleChangeFailsItsCheck()
    {
        var singles = new SingleChanges(2000, 4, 3, 100, 20, LatencyStats.Empty, new Dictionary<string, long> { ["200"] = 1999, ["503"] = 1 }, 0, Use(0.4));
        var bulk = new BulkChange(10_000, 3, 200, 9_998, 2, 0, 9_998, 40, 3_000_000, Use(0.4));

        var checks = Results(Sweep(), singles, bulk).Checks;

        Assert.False(checks.Single(c => c.Target.Contains("single status change", StringComparison.Ordinal)).Met);
        Assert.False(checks.Single(c => c.Target.Contains("bulk change", StringComparison.Ordinal)).Met);
        Assert.False(bulk.AllChanged);
        Assert.Equal(250, bulk.CitizensPerSecond, 6);
    }

    [Fact]
    public void TheGrainSectionReplacesOnlyItselfAndCarriesTheRerunCommand()
    {
        var doc = "# Performance\n\n## Scan-verify under load\n\nscan run\n\n## Citizen grains under load\n\nold figures\n\n## Scan path A/B\n\nab\n";

        var updated = PerformanceDoc.Replace(doc, PerformanceDoc.GrainsHeading, PerformanceDoc.GrainsSection(Results(Sweep()), "loadtests/results/20261201-000000-grains"));

        Assert.Contains("## Scan-verify under load\n\nscan run\n\n## Citizen grains under load\n", updated, StringComparison.Ordinal);
        Assert.EndsWith("## Scan path A/B\n\nab\n", updated, StringComparison.Ordinal);
        Assert.DoesNotContain("old figures", updated, StringComparison.Ordinal);
        Assert.Contains("loadtests/run.sh --grains", updated, StringComparison.Ordinal);
        Assert.Contains("(../loadtests/results/20261201-000000-grains/report.md)", updated, StringComparison.Ordinal);
        Assert.Contains("**0.70x**", updated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsRoundTripThroughResultsJsonAndAreToldFromAScanRun()
    {
        var directory = Directory.CreateTempSubdirectory("cp-grains-");
        try
        {
            var run = Results(Sweep());
            await GrainsReport.WriteAsync(run, directory.FullName);

            var read = await GrainsReport.ReadAsync(directory.FullName);

            Assert.True(await GrainsReport.IsGrainsRunAsync(directory.FullName));
            Assert.Equal(run.PassRatio, read.PassRatio, 9);
            Assert.Equal(run.Steps.Count, read.Steps.Count);
            Assert.Equal(run.Singles.Latency, read.Singles.Latency);
            Assert.Contains("# Citizen grains under load", await File.ReadAllTextAsync(Path.Combine(directory.FullName, "report.md")), StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "results.json"), """{"startedAt":"2026-11-21T06:51:27Z","scenarios":[]}""");
            Assert.False(await GrainsReport.IsGrainsRunAsync(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ACommittedGrainRunsResultsStillReadAndRenderTheirReport()
    {
        var results = Path.Combine(AppContext.BaseDirectory, "../../../../../loadtests/results");
        var runs = Directory.GetDirectories(results).Order(StringComparer.Ordinal).ToList();
        var latest = (await Task.WhenAll(runs.Select(async d => (d, Grains: await GrainsReport.IsGrainsRunAsync(d))))).Last(r => r.Grains).d;

        var run = await GrainsReport.ReadAsync(latest);

        Assert.Equal(GrainsResults.ModeName, run.Mode);
        Assert.Equal((1, 3), (run.SingleProcess, run.ClusterProcesses));
        Assert.True(run.PassRatio > 0);
        Assert.Contains("## 2. Status changes", GrainsReport.Markdown(run), StringComparison.Ordinal);
    }

    [Fact]
    public void GrainsOptionsSeedCitizensOnlyAndKeepTheirResultsApart()
    {
        var o = RunOptions.Parse(["--grains", "--quick"], "/repo");
        var full = RunOptions.Parse(["--grains"], "/repo");
        var given = RunOptions.Parse(["--out", "/tmp/x", "--grains"], "/repo");

        Assert.True(o.Grains);
        Assert.Equal((0, 0, false), (o.Venues, o.Gates, o.UpdateDocs));
        Assert.EndsWith("-grains", o.OutputDirectory, StringComparison.Ordinal);
        Assert.Equal((1_000, 2_000, 10_000, 3, 100_000), (full.GrainCitizens, full.StatusChanges, full.BulkCitizens, full.Replicas, full.Citizens));
        Assert.True(full.UpdateDocs);
        Assert.Equal("/tmp/x", given.OutputDirectory);
        Assert.False(RunOptions.Parse([], "/repo").Grains);
    }
}
