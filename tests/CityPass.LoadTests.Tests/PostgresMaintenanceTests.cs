using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>PostgreSQL's autovacuums, autoanalyzes and checkpoints in a step: what changed between two readings of its statistics.</summary>
public sealed class PostgresMaintenanceTests
{
    private static readonly DateTime Start = new(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void OnlyWhatRanDuringTheStepIsListedTimedFromItsStart()
    {
        var earlier = Start.AddMinutes(-3);
        var before = new PostgresMaintenance.Counters(new Dictionary<string, PostgresMaintenance.TableCounters>
        {
            ["scans_p20261205"] = new(2, earlier, 2, earlier),
            ["citizens"] = new(1, earlier, 1, earlier),
        }, Checkpoints: 4);
        var after = new PostgresMaintenance.Counters(new Dictionary<string, PostgresMaintenance.TableCounters>
        {
            // Vacuumed in the step, not analyzed.
            ["scans_p20261205"] = new(3, Start.AddSeconds(192), 2, earlier),
            ["citizens"] = new(1, earlier, 1, earlier),
            // A table first seen after the step began: both ran.
            ["scan_minutes"] = new(1, Start.AddSeconds(288), 1, Start.AddSeconds(288.04)),
        }, Checkpoints: 6);

        var step = PostgresMaintenance.Between(before, after, Start);

        Assert.Equal(2, step.Checkpoints);
        Assert.Equal(
            [new PostgresMaintenance.Run("scans_p20261205", "autovacuum", 192), new PostgresMaintenance.Run("scan_minutes", "autovacuum", 288),
             new PostgresMaintenance.Run("scan_minutes", "autoanalyze", 288)],
            step.Runs);
    }
}
