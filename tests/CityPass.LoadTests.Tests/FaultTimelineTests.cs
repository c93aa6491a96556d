using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The fault run's time line: rows per second and per window, phase summaries, failure windows, health spans.</summary>
public sealed class FaultTimelineTests
{
    private static readonly Guid Gate = Guid.NewGuid();

    private static ScanAnswer Ok(long atMs, int latencyMicros = 1_000) => new(atMs, 200, "allowed", latencyMicros, new ScanKey(Gate, Guid.NewGuid()));

    private static ScanAnswer Refused(long atMs) => new(atMs, 503, "store_unavailable", -1, null);

    private static FaultLoad Load(IEnumerable<ScanAnswer> answers, IEnumerable<long>? sent = null, IEnumerable<long>? notAnswered = null, IEnumerable<SkippedSlots>? skips = null)
    {
        var sorted = answers.OrderBy(a => a.AtMs).ToList();
        return new FaultLoad(sorted, [.. (sent ?? sorted.Select(a => a.AtMs)).Order()], [.. (notAnswered ?? []).Order()], [.. skips ?? []]);
    }

    private static IReadOnlyList<(double Start, double Seconds)> EverySecond(double length) =>
        FaultTimeline.Spans(length, [], [], window: 1, before: 0, after: 0);

    [Fact]
    public void SecondsAroundAFaultAreRowsOfTheirOwnAndTheRestWindowsOfFive()
    {
        var spans = FaultTimeline.Spans(30, moments: [12.4], eventfulSeconds: [25]);

        // 10..17 around the fault at 12.4 (2 before, 5 after), 24..26 around the eventful second 25; windows of 5 aligned to multiples of 5 elsewhere.
        Assert.Equal(
        [
            (0, 5), (5, 5), (10, 1), (11, 1), (12, 1), (13, 1), (14, 1), (15, 1), (16, 1), (17, 1), (18, 2), (20, 4),
            (24, 1), (25, 1), (26, 1), (27, 3),
        ], spans);
        Assert.Equal(30, spans.Sum(s => s.Seconds));
    }

    [Fact]
    public void ALengthThatIsNotWholeSecondsEndsWithAPartialRow()
    {
        var spans = FaultTimeline.Spans(7.2, [], []);

        Assert.Equal([(0, 5), (5, 3)], spans);
    }

    [Fact]
    public void EachSecondCountsItsAnswersByStatusAndCodeAndTimesOnlyTheAnswersWithTheirScanId()
    {
        var load = Load([Ok(100, 1_000), Ok(900, 3_000), Refused(950), Refused(990), Ok(1_500, 2_000), new(1_600, 500, "internal_error", -1, null)]);

        var rows = FaultTimeline.Rows(EverySecond(2), load, [], []);

        Assert.Equal(2, rows.Count);
        Assert.Equal((2, 2L), (rows[0].Ok, rows[0].NotOkTotal));
        Assert.Equal(new Dictionary<string, long> { ["503 store_unavailable"] = 2 }, rows[0].NotOk);
        Assert.Equal((2, 1.0, 3.0), (rows[0].Timed, rows[0].P50, rows[0].P99));
        Assert.Equal(new Dictionary<string, long> { ["500 internal_error"] = 1 }, rows[1].NotOk);
        Assert.Equal((1, 2.0), (rows[1].Timed, rows[1].Max));
    }

    [Fact]
    public void SkippedSlotsAreSpreadOverTheSecondsTheyCovered()
    {
        var load = Load([], skips: [new SkippedSlots(300, 500, 3_500)]);

        var rows = FaultTimeline.Rows(EverySecond(4), load, [], []);

        Assert.Equal([50.0, 100, 100, 50], rows.Select(r => r.Skipped));
    }

    [Fact]
    public void ARowCarriesWhatHealthSaidAndTheLargestBacklog()
    {
        HealthSample[] health =
        [
            new(0.1, 200, "Healthy", "up", "up", 10), new(1.1, 503, "Unhealthy", "down", "up", null), new(2.1, 503, "Unhealthy", "down", "up", null),
            new(3.1, 200, "Degraded", "up", "down", 900), new(4.1, 0, null, null, null, 950),
        ];

        var rows = FaultTimeline.Rows(FaultTimeline.Spans(5, [], []), Load([]), [], health);

        Assert.Single(rows);
        Assert.Equal("200 Healthy → 503 Unhealthy (Redis down) → 200 Degraded (PostgreSQL down) → no answer", rows[0].Health);
        Assert.Equal(950, rows[0].ArchiveBacklog);
    }

    [Fact]
    public void APhaseSaysWhenScansFailedAfterItsFaultAndAfterTheStoreCameBack()
    {
        var phase = new FaultPhase("Redis restarted", StartSeconds: 10, EndSeconds: 20, StoreBackSeconds: 13);
        var load = Load([Ok(9_900), Ok(10_010), Refused(10_050), Refused(11_000), Refused(12_000), Refused(12_900), Refused(13_400), Ok(13_500), Ok(19_000), Refused(20_100)]);

        var summary = FaultTimeline.Summarise(phase, load, []);

        Assert.Equal((3, 5L), (summary.Ok, summary.NotOkTotal));
        Assert.Equal(0.05, summary.FirstNotOkAfterSeconds!.Value, 9);
        Assert.Equal(3.4, summary.OutageEndAfterSeconds!.Value, 9);
        Assert.Equal(3.35, summary.FailureWindowSeconds!.Value, 9);
        Assert.Equal(3.0, summary.StoreBackAfterSeconds);
        Assert.Equal(0.4, summary.OutageEndAfterStoreBack!.Value, 9);
        Assert.Equal(0, summary.LaterNotOk);
    }

    [Fact]
    public void NonTwoHundredsMoreThanASecondAfterTheOutageAreCountedApart()
    {
        var phase = new FaultPhase("Redis restarted", StartSeconds: 10, EndSeconds: 80, StoreBackSeconds: 12);
        // The outage: 10.1 to 12.0 (no gap over a second); then a stall at 60 s.
        var load = Load([Refused(10_100), Refused(10_900), Refused(11_800), Refused(12_000), Ok(12_100), Refused(60_000), Refused(60_010), Ok(61_000)]);

        var summary = FaultTimeline.Summarise(phase, load, []);

        Assert.Equal((0.1, 2.0), (summary.FirstNotOkAfterSeconds!.Value, summary.OutageEndAfterSeconds!.Value));
        Assert.Equal(0.0, summary.OutageEndAfterStoreBack!.Value, 9);
        Assert.Equal((2L, 50.01), (summary.LaterNotOk, summary.LastNotOkAfterSeconds!.Value));
    }

    [Fact]
    public void TheServerIsAwayAroundEachStretchOfSecondsWithoutAnAnswer()
    {
        var sent = Enumerable.Range(0, 100).Select(i => i * 100L).ToList();
        // Answers in seconds 0-2 and 6-9; seconds 3, 4 and 5 got none.
        var answers = sent.Where(t => t < 3_000 || t >= 6_000).Select(t => Ok(t)).ToList();
        var rows = FaultTimeline.Rows(EverySecond(10), Load(answers, sent: sent), [], []);

        Assert.Equal([(1.0, 7.0)], FaultTimeline.ServerAway(rows));
    }

    [Fact]
    public void APhaseWithoutFailuresHasNoFailureWindow()
    {
        var summary = FaultTimeline.Summarise(new FaultPhase("steady", 0, 5, null), Load([Ok(1_000), Ok(2_000)]), []);

        Assert.Null(summary.FirstNotOkAfterSeconds);
        Assert.Null(summary.FailureWindowSeconds);
        Assert.Null(summary.OutageEndAfterStoreBack);
        Assert.Equal(0, summary.SilentSeconds);
    }

    [Fact]
    public void SecondsWithScansSentAndNoAnswerAtAllAreSilent()
    {
        // Answers until 3 s, scans sent (and never answered) from 3 to 6 s, answers again from 6 s.
        var sent = Enumerable.Range(0, 90).Select(i => 3_000L + (i * 33)).ToList();
        var load = Load([Ok(1_000), Ok(2_500), Ok(6_200), Ok(7_100)], sent: sent.Concat([1_000L, 2_500, 6_200, 7_100]), notAnswered: sent);

        var summary = FaultTimeline.Summarise(new FaultPhase("Redis restarted empty", 1.5, 8, 1.6), load, []);

        Assert.Equal(3, summary.SilentSeconds);
        Assert.Equal((1.5, 4.5), (summary.FirstSilentAfterSeconds!.Value, summary.LastSilentAfterSeconds!.Value));
        Assert.Equal((93L, 90L), (summary.Sent, summary.NotAnswered200));
    }

    [Fact]
    public void TheProbesRefusalsAreTimedApart()
    {
        ProbeAnswer[] probes =
        [
            new(10.2, 1.5, 200, "allowed", new ScanKey(Gate, Guid.NewGuid())), new(10.3, 12, 503, "store_unavailable", new ScanKey(Gate, Guid.NewGuid())),
            new(10.4, 40, 503, "store_unavailable", new ScanKey(Gate, Guid.NewGuid())), new(10.5, 900, 0, "-", new ScanKey(Gate, Guid.NewGuid())),
        ];

        var summary = FaultTimeline.Summarise(new FaultPhase("Redis restarted", 10, 20, 11), Load([]), probes);

        Assert.Equal(4, summary.Probes);
        Assert.Equal(new Dictionary<string, long> { ["503 store_unavailable"] = 2, ["no answer"] = 1 }, summary.ProbeNotOk);
        Assert.Equal((3L, 900.0), (summary.ProbeNotOkLatency.Count, summary.ProbeNotOkLatency.Max));
    }

    [Fact]
    public void HealthSamplesThatSayTheSameRunTogether()
    {
        HealthSample[] samples =
        [
            new(0, 200, "Healthy", "up", "up", 0), new(1, 200, "Healthy", "up", "up", 5), new(2, 503, "Unhealthy", "down", "up", null),
            new(3, 200, "Healthy", "up", "up", 0), new(4, 200, "Degraded", "up", "down", 100), new(5, 200, "Degraded", "up", "down", 200),
        ];

        var spans = FaultTimeline.Compress(samples);

        Assert.Equal(
        [
            new HealthSpan(0, 1, "200 Healthy", 2), new HealthSpan(2, 2, "503 Unhealthy (Redis down)", 1), new HealthSpan(3, 3, "200 Healthy", 1),
            new HealthSpan(4, 5, "200 Degraded (PostgreSQL down)", 2),
        ], spans);
    }

    [Theory]
    [InlineData(0, 1_000, 10)]
    [InlineData(500, 1_500, 10)]
    [InlineData(2_000, 3_000, 0)]
    [InlineData(-500, 250, 2.5)]
    public void SkippedSlotsCountInProportionToTheOverlap(double from, double to, double expected) =>
        Assert.Equal(expected, FaultTimeline.SlotsWithin(new SkippedSlots(20, 0, 2_000), from, to), 9);
}
