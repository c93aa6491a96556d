using System.Net;
using System.Net.Sockets;
using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The stall probes' answer times, and the report's table of a step's tail beside them.</summary>
public sealed class StallReportTests
{
    [Fact]
    public void EachStepsScanTailIsShownBesideTheProbesAndItsRatioToTheServerProbe()
    {
        var answers = new Dictionary<string, LatencyStats>
        {
            [StallProbe.ServerProbe] = new(3_000, 0.4, 0.8, 2.0, 6.0, 12.5, 0.5),
            [StallProbe.RedisProbe] = new(3_000, 0.1, 0.2, 0.5, 1.0, 3.0, 0.12),
        };
        var step = Step("rate-50", new LatencyStats(300_000, 1.3, 6.4, 16.0, 30.0, 38.2, 2.0), new ProbeReport(6_000, [], answers));

        var table = StallReport.Tails([step, Step("rate-25", Latency, new ProbeReport(6_000, [])), Step("max-c64", Latency, null)]);

        Assert.Contains("| rate-50 | 1.30 / 16.00 | 0.40 / 2.00 / 12.5 | 0.10 / 0.50 / 3.0 | 8.0x |", table, StringComparison.Ordinal);
        // A step from a run before the answers were kept, and one without probes, have no row.
        Assert.DoesNotContain("rate-25", table, StringComparison.Ordinal);
        Assert.DoesNotContain("max-c64", table, StringComparison.Ordinal);
        Assert.Equal("", StallReport.Tails([step with { Stalls = new ProbeReport(6_000, []) }]));
    }

    [Fact]
    public async Task TheProbeKeepsEveryAnswersTimeAndLeavesOutTheOnesThatFailed()
    {
        // A real redis-server answers the Redis probe; the server probe's address refuses, so all its pings fail.
        var directory = Directory.CreateTempSubdirectory("citypass-stall-probe-");
        try
        {
            await using var redis = await LocalRedis.StartAsync(directory.FullName, appendOnly: false);
            using var refused = new TcpListener(IPAddress.Loopback, 0);
            refused.Start();
            var closedPort = ((IPEndPoint)refused.LocalEndpoint).Port;
            refused.Stop();

            var probe = new StallProbe(redis.Port, new Uri($"http://127.0.0.1:{closedPort}/"), new CpuMeter(() => new Dictionary<string, IReadOnlyList<int>>()), MonotonicClock.NowMs);
            // Both probes ping every 10 ms once their first ping is done (half a second in a cold process: its code compiled);
            // a starved machine gets up to 30 s for 60 of them.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (probe.Pings < 60 && DateTime.UtcNow < deadline) await Task.Delay(50);
            var report = probe.Stop();

            var answered = report.Answers![StallProbe.RedisProbe];
            Assert.InRange(answered.Count, 10, report.Pings);
            Assert.True(answered.P50 > 0 && answered.P50 <= answered.P99 && answered.P99 <= answered.Max, $"p50 {answered.P50}, p99 {answered.P99}, max {answered.Max}");
            Assert.Equal(0, report.Answers[StallProbe.ServerProbe].Count);
            Assert.Contains(report.Stalls, s => s.Probe == StallProbe.ServerProbe && s.Failure is not null);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static ScenarioResult Step(string id, LatencyStats latency, ProbeReport? stalls) =>
        new(id, "rate", id, "POST /v1/scans", 64, 1_000, 30, 1_000, latency, latency,
            new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>(), 0, 0, 0, 0, 0, 0,
            new CpuSplit(0.5, 0.2, 0.05, 0.02, 0, 0, 1.2, 2), [], 0, 0, Stalls: stalls);

    private static readonly LatencyStats Latency = new(10_000, 1, 2, 3, 4, 5, 1);
}
