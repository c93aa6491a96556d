using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The archiver comparison's arithmetic and options: what its "B − A" and share rest on.</summary>
public sealed class ArchiverResultsTests
{
    private static ArchiverTurn Turn(string side, int round, double archiver, double redisArchive, double postgres, long fives = 0) =>
        new(side, round, 4000, 3990, 60, archiver, 50, redisArchive, postgres, new LatencyStats(1000, 1, 2, 3, 4, 5, 1), fives);

    private static ArchiverResults Results(params ArchiverTurn[] turns) => new(DateTimeOffset.UnixEpoch, 10, "loadtests/run.sh --ab abc1234 --archiver-apart",
        new MachineInfo(2, "cpu", "linux", "10", "wrk", "redis", "pg", false), "abc1234", new SeedResult(1, 0, 1, 1, 1, 1, 1, []), 8000,
        turns, new ArchiveVerdict(10, 10, 10, 0, 0, 0, 0, []), []);

    [Fact]
    public void TheArchiveIsItsProcessItsCommandsAndPostgresButNotTheAnsweringServer()
    {
        var turn = Turn("A", 1, archiver: 30, redisArchive: 2.5, postgres: 25);

        Assert.Equal(57.5, turn.ArchiveMicros, 6);
    }

    [Fact]
    public void TheDifferenceIsOfTheSidesMeansAndItsShareIsOfB()
    {
        // A: 50 and 54 (mean 52); B: 55 and 57 (mean 56). B − A = 4, of B's 56.
        var r = Results(Turn("A", 1, 25, 2, 23), Turn("B", 1, 27, 2, 26), Turn("A", 2, 27, 2, 25), Turn("B", 2, 28, 2, 27));

        Assert.Equal(4.0, r.Difference.Micros, 6);
        Assert.Equal(4.0 / 56, r.Difference.ShareOfB, 6);
        Assert.Contains("**B − A: 4.00 µs of archive a scan, 7.1 % of B's archive**", r.Markdown(), StringComparison.Ordinal);
        Assert.Contains("range 50.0-54.0 and 55.0-57.0 µs", r.Markdown(), StringComparison.Ordinal);
        Assert.All(r.Targets, t => Assert.True(t.Met, t.Target));
    }

    [Fact]
    public void A5xxFailsItsTarget()
    {
        var r = Results(Turn("A", 1, 25, 2, 23), Turn("B", 1, 27, 2, 26, fives: 1));

        Assert.False(r.Targets.Single(t => t.Target.Contains("5xx", StringComparison.Ordinal)).Met);
    }

    [Fact]
    public void ArchiverApartNeedsABaselineAndKeepsItsResultsApart()
    {
        var o = RunOptions.Parse(["--ab-baseline", "/tmp/a/CityPass.Server.dll", "--archiver-apart"], "/repo");

        Assert.True(o.ArchiverApart);
        Assert.EndsWith("-archiver", o.OutputDirectory, StringComparison.Ordinal);
        Assert.False(o.UpdateDocs);
        Assert.Throws<ArgumentException>(() => RunOptions.Parse(["--archiver-apart"], "/repo"));
    }
}
