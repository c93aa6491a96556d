using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The fault run's archive check: answered 200 once each, nothing else at all, in flight at the end only counted.</summary>
public sealed class FaultArchiveCheckTests
{
    private static readonly Guid Gate = Guid.NewGuid();

    private static ScanKey Key() => new(Gate, Guid.NewGuid());

    private static string PhaseOf(double at) => double.IsNaN(at) ? "before the load" : at < 10 ? "steady" : "Redis restarted";

    private static bool NeverAway(double at) => false;

    [Fact]
    public void ScansSentAndNeverAnsweredWithTheirIdAreNotAnswered200UnlessTheyWereInFlightAtTheEnd()
    {
        var (answered, refused, inFlight, before) = (Key(), Key(), Key(), Key());
        var log = new FaultLog(
            [new ScanAnswer(101_000, 200, "allowed", 900, answered), new ScanAnswer(112_000, 503, "store_unavailable", -1, null)],
            [],
            [new SentScan(answered, 100_999), new SentScan(refused, 111_990), new SentScan(inFlight, 159_995)]);

        var outcomes = FaultArchiveCheck.Outcomes(log, zeroMs: 100_000, endMs: 160_000, inFlightWindowMs: 10_000, probes: [], answeredBefore: [before]);

        Assert.Equal(1.0, outcomes.Answered[answered], 9);
        Assert.True(double.IsNaN(outcomes.Answered[before]));
        Assert.Equal(11.99, outcomes.NotAnswered200[refused], 9);
        Assert.Equal(1, outcomes.RefusedAnswers);
        Assert.Equal([inFlight], outcomes.Unknown);
    }

    [Fact]
    public void TheProbesRefusalIsNotAnswered200AndItsTimeoutHasNoKnownOutcome()
    {
        var (ok, refused, timedOut) = (Key(), Key(), Key());
        ProbeAnswer[] probes = [new(1, 2, 200, "allowed", ok), new(2, 3, 503, "store_unavailable", refused), new(3, 5_000, 0, "-", timedOut)];

        var outcomes = FaultArchiveCheck.Outcomes(new FaultLog([], [], []), 0, 100_000, 10_000, probes, []);

        Assert.Equal([ok], outcomes.Answered.Keys);
        Assert.Equal([refused], outcomes.NotAnswered200.Keys);
        Assert.Equal([timedOut], outcomes.Unknown);
        Assert.Equal(1, outcomes.RefusedAnswers);
    }

    [Fact]
    public void EveryAnswerIsArchivedOnceAndNothingElseIsThePass()
    {
        var (a, b, refused, inFlight) = (Key(), Key(), Key(), Key());
        var outcomes = new ScanOutcomes(new Dictionary<ScanKey, double> { [a] = 1, [b] = double.NaN }, new Dictionary<ScanKey, double> { [refused] = 12 }, 1, new HashSet<ScanKey> { inFlight });

        var verdict = FaultArchiveCheck.Compare(outcomes, [a, b, inFlight], PhaseOf, NeverAway, 2.5);

        Assert.True(verdict.Passed);
        Assert.Equal((2L, 3L, 3L, 0L, 0L), (verdict.Answered200, verdict.ArchivedRows, verdict.DistinctArchivedKeys, verdict.Missing, verdict.DuplicatedKeys));
        Assert.Equal((1L, 1L, 0L, 1L, 1L), (verdict.NotAnswered200, verdict.UnknownOutcome, verdict.RefusedArchived, verdict.UnknownOutcomeArchived, verdict.RefusedAnswers));
    }

    [Fact]
    public void AMissingScanIsNamedWithThePhaseItWasAnsweredIn()
    {
        var (early, late, fine) = (Key(), Key(), Key());
        var outcomes = new ScanOutcomes(new Dictionary<ScanKey, double> { [early] = 9.95, [late] = 10.02, [fine] = 3 }, new Dictionary<ScanKey, double>(), 0, new HashSet<ScanKey>());

        var verdict = FaultArchiveCheck.Compare(outcomes, [fine], PhaseOf, NeverAway, 1);

        Assert.False(verdict.Passed);
        Assert.Equal(2, verdict.Missing);
        Assert.Equal(new Dictionary<string, long> { ["steady"] = 1, ["Redis restarted"] = 1 }, verdict.MissingByPhase);
        Assert.Equal([9.95, 10.02], verdict.MissingAnsweredAt);
    }

    [Fact]
    public void ARefusedScanInTheArchiveFailsTheCheck()
    {
        var refused = Key();
        var outcomes = new ScanOutcomes(new Dictionary<ScanKey, double>(), new Dictionary<ScanKey, double> { [refused] = 12 }, 1, new HashSet<ScanKey>());

        var verdict = FaultArchiveCheck.Compare(outcomes, [refused], PhaseOf, NeverAway, 1);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.RefusedArchived);
        Assert.Equal(new Dictionary<string, long> { ["Redis restarted"] = 1 }, verdict.RefusedArchivedByPhase);
        Assert.Equal([refused], verdict.RefusedArchivedKeys);
    }

    [Fact]
    public void AScanSentToAServerGoingAwayMayHaveHadNoAnswerSoInTheArchiveItIsCountedApart()
    {
        var (unanswered, refused) = (Key(), Key());
        var outcomes = new ScanOutcomes(new Dictionary<ScanKey, double>(), new Dictionary<ScanKey, double> { [unanswered] = 119.5, [refused] = 208.6 }, 1, new HashSet<ScanKey>());

        var verdict = FaultArchiveCheck.Compare(outcomes, [unanswered, refused], PhaseOf, at => at is >= 118 and < 140, 1);

        Assert.Equal((1L, 1L), (verdict.RefusedArchived, verdict.UnansweredArchived));
        Assert.Equal([refused], verdict.RefusedArchivedKeys);
        Assert.False(verdict.Passed);
    }

    [Fact]
    public void AScanArchivedTwiceFailsTheCheck()
    {
        var twice = Key();
        var outcomes = new ScanOutcomes(new Dictionary<ScanKey, double> { [twice] = 11 }, new Dictionary<ScanKey, double>(), 0, new HashSet<ScanKey>());

        var verdict = FaultArchiveCheck.Compare(outcomes, [twice, twice], PhaseOf, NeverAway, 1);

        Assert.False(verdict.Passed);
        Assert.Equal((1L, 0L), (verdict.DuplicatedKeys, verdict.Missing));
        Assert.Equal(new Dictionary<string, long> { ["Redis restarted"] = 1 }, verdict.DuplicatedByPhase);
    }
}
