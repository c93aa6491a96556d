using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The lines scans.lua writes in the fault run: answers (with and without a scan id), skipped slots, scans sent.</summary>
public sealed class FaultLogTests
{
    private static readonly Guid Gate = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), Scan = Guid.Parse("abcdef01-0001-4000-8000-000000000007");

    [Fact]
    public void AnAnswerWithItsScanIdIsNamedByGateAndScanId()
    {
        Assert.True(FaultLog.TryParseAnswer($"{Scan} 200 1234 allowed 0 0 987654 {Gate:N}", out var a));

        Assert.Equal(new ScanAnswer(987654, 200, "allowed", 1234, new ScanKey(Gate, Scan)), a);
    }

    [Fact]
    public void AProblemAnswerHasNoScanIdAndCarriesTheProblemsCode()
    {
        Assert.True(FaultLog.TryParseAnswer("- 503 -1 store_unavailable 0 0 987655 -", out var a));

        Assert.Equal(new ScanAnswer(987655, 503, "store_unavailable", -1, null), a);
    }

    [Fact]
    public void SkippedSlotsAndSentScansHaveTheirOwnLines()
    {
        Assert.True(FaultLog.TryParseSkip("~ 120 5000 6000", out var skip));
        Assert.Equal(new SkippedSlots(120, 5000, 6000), skip);
        Assert.True(FaultLog.TryParseSent($"{Scan} {Gate:N} 4242", out var sent));
        Assert.Equal(new SentScan(new ScanKey(Gate, Scan), 4242), sent);
        Assert.False(FaultLog.TryParseAnswer("~ 120 5000 6000", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("- 503 -1 store_unavailable 0 0")]
    [InlineData("- x -1 store_unavailable 0 0 1 -")]
    [InlineData("~ 1 2")]
    [InlineData("~ a 1 2")]
    public void AMalformedLineIsNotAnAnswerNorASkip(string line)
    {
        Assert.False(FaultLog.TryParseAnswer(line, out _));
        Assert.False(FaultLog.TryParseSkip(line, out _));
        Assert.False(FaultLog.TryParseSent(line, out _));
    }

    [Fact]
    public void TheThreadsLogsAreReadTogetherInTimeOrder()
    {
        var directory = Directory.CreateTempSubdirectory("cp-faultlog-");
        try
        {
            File.WriteAllLines(Path.Combine(directory.FullName, "faults-1.log"), [$"{Scan} 200 900 allowed 0 0 300 {Gate:N}", "~ 5 100 200"]);
            File.WriteAllLines(Path.Combine(directory.FullName, "faults-2.log"), ["- 503 -1 store_unavailable 0 0 100 -"]);
            File.WriteAllLines(Path.Combine(directory.FullName, "faults-1.sent"), [$"{Scan} {Gate:N} 299"]);

            var log = FaultLog.Read(Path.Combine(directory.FullName, "faults"));

            Assert.Equal([100L, 300], log.Answers.Select(a => a.AtMs));
            Assert.Single(log.Skips);
            Assert.Single(log.Sent);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
