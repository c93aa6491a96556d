using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

public sealed class ArchiveCheckTests
{
    private static readonly Guid GateA = Guid.NewGuid(), GateB = Guid.NewGuid(), ScanId = Guid.NewGuid();

    [Fact]
    public void TheLogsNameEachAnsweredScanByGateAndScanId()
    {
        var directory = Directory.CreateTempSubdirectory("cp-scanlogs-");
        try
        {
            File.WriteAllLines(Path.Combine(directory.FullName, "run-1.log"),
            [
                $"{ScanId} 200 900 allowed 0 0 1000 {GateA:N}",
                $"{ScanId} 200 800 allowed 1 1 1001 {GateA:N}", // a retry: already counted
                "- 200 -1 refresh 0 0 1002 -",
            ]);
            File.WriteAllLines(Path.Combine(directory.FullName, "run-2.log"),
            [
                $"{ScanId} 200 700 allowed 0 0 1003 {GateB:N}",
                $"{Guid.NewGuid()} 503 600 - 0 0 1004 {GateB:N}",
            ]);
            var logs = new ScanLogs();

            var summary = logs.Read(Path.Combine(directory.FullName, "run"), TimeSpan.FromSeconds(1));

            Assert.Equal(4, summary.ScanResponses);
            Assert.Equal(1, logs.RetriesChecked);
            Assert.Equal(new HashSet<ScanKey> { new(GateA, ScanId), new(GateB, ScanId) }, logs.Answered);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void TwoGatesSendingTheSameScanIdNeedTwoRows()
    {
        var answered = new HashSet<ScanKey> { new(GateA, ScanId), new(GateB, ScanId) };

        var both = ArchiveCheck.Compare(answered, [new(GateA, ScanId), new(GateB, ScanId)], 0, 1);
        var oneDropped = ArchiveCheck.Compare(answered, [new(GateA, ScanId)], 0, 1);

        Assert.True(both.Passed);
        Assert.Equal((2, 2, 2, 0), (both.AnsweredScans, both.ArchivedRows, both.DistinctArchivedKeys, both.Missing));
        Assert.False(oneDropped.Passed);
        Assert.Equal([new ScanKey(GateB, ScanId)], oneDropped.MissingSample);
    }

    [Fact]
    public void AGatesScanIdTwiceInTheArchiveFails()
    {
        var verdict = ArchiveCheck.Compare(new HashSet<ScanKey> { new(GateA, ScanId) }, [new(GateA, ScanId), new(GateA, ScanId)], 0, 1);

        Assert.False(verdict.Passed);
        Assert.Equal((0, 2, 1), (verdict.Missing, verdict.ArchivedRows, verdict.DistinctArchivedKeys));
    }

    [Fact]
    public async Task ACommittedRunsResultsStillReadWithTheirArchiveVerdict()
    {
        var results = Path.Combine(AppContext.BaseDirectory, "../../../../../loadtests/results");
        var runs = Directory.GetDirectories(results).Where(d => File.Exists(Path.Combine(d, "results.json"))).Order(StringComparer.Ordinal).ToList();
        // The grain, fault and cluster runs' results.json are of other shapes (GrainsResults, FaultsResults, ClusterResults).
        var latest = (await Task.WhenAll(runs.Select(async d => (d, Other: await GrainsReport.IsGrainsRunAsync(d) || await FaultsReport.IsFaultsRunAsync(d)
                || await ClusterReport.IsClusterRunAsync(d)))))
            .Last(r => !r.Other).d;

        var run = await ReportWriter.ReadAsync(latest);

        Assert.True(run.Archive.DistinctArchivedKeys > 0);
        Assert.Equal(run.Archive.ArchivedRows, run.Archive.DistinctArchivedKeys);
    }
}
