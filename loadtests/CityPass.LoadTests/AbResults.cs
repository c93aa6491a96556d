using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// One side's turn in an A/B comparison: its closed-loop maximum, and its latency at the common 50% rate (offered
/// <see cref="HalfRate"/>, achieved <see cref="HalfAchieved"/>), each with the CPU split of its step.
/// </summary>
public sealed record AbTurn(
    string Side, int Round, double MaxPerSecond, int MaxConnections, CpuSplit CpuAtMax, double HalfRate, double HalfAchieved, LatencyStats AtHalf,
    CpuSplit CpuAtHalf, long Count5xx)
{
    /// <summary>
    /// A process's CPU per scan (µs) at the maximum and at the common 50% rate. They differ: at half the rate fewer requests
    /// share each wake-up, system call and batch, so a scan costs more, and that is the CPU the tail at 50% competes for.
    /// </summary>
    public (double AtMax, double AtHalf) Micros(Func<CpuSplit, double> process) =>
        (process(CpuAtMax) * 1_000_000 / MaxPerSecond, process(CpuAtHalf) * 1_000_000 / HalfAchieved);
}

/// <summary>An A/B comparison's results (ab-results.json) and its report (ab-report.md).</summary>
public sealed record AbResults(
    DateTimeOffset StartedAt, double TotalMinutes, string Command, MachineInfo Machine, string Baseline, SeedResult Seed,
    IReadOnlyList<AbTurn> Turns, IReadOnlyList<ScenarioResult> Steps, ArchiveVerdict Archive, IReadOnlyList<string> Notes)
{
    // The table's CPU columns, in order: the server, redis-server, PostgreSQL (nearly all of it the archiver's inserts).
    private static readonly Func<CpuSplit, double>[] Processes = [c => c.Server, c => c.Redis, c => c.Postgres];

    /// <summary>B's mean maximum over A's (each side's turns averaged: the turns alternate, so drift cancels).</summary>
    public double ThroughputRatio => Mean("B", t => t.MaxPerSecond) / Mean("A", t => t.MaxPerSecond);

    /// <summary>B's mean p99 at the common 50% rate over A's.</summary>
    public double P99Ratio => Mean("B", t => t.AtHalf.P99) / Mean("A", t => t.AtHalf.P99);

    /// <summary>B's mean CPU per scan of a process over A's, at the maximum and at the common 50% rate.</summary>
    public (double AtMax, double AtHalf) CpuRatio(Func<CpuSplit, double> process) =>
        (Mean("B", t => t.Micros(process).AtMax) / Mean("A", t => t.Micros(process).AtMax),
         Mean("B", t => t.Micros(process).AtHalf) / Mean("A", t => t.Micros(process).AtHalf));

    public IReadOnlyList<TargetCheck> Targets =>
    [
        new("B's maximum throughput >= 0.95x A's (closed loop, mean of turns)", $"{ThroughputRatio:0.00}x", ThroughputRatio >= 0.95),
        new("B's p99 at 50% of A's maximum <= 1.1x A's", $"{P99Ratio:0.00}x", P99Ratio <= 1.1),
        new("zero 5xx on both sides", $"{Turns.Sum(t => t.Count5xx)} 5xx", Turns.Sum(t => t.Count5xx) == 0),
        new("every scan answered by either side is in PostgreSQL", $"{Archive.AnsweredScans:N0} answered, {Archive.Missing} missing", Archive.Passed),
    ];

    private double Mean(string side, Func<AbTurn, double> value) => Turns.Where(t => t.Side == side).Average(value);

    public string Markdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"# A/B: this build (B) against {Baseline} (A)\n\n");
        sb.Append(c, $"`{Command}`, {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalMinutes:N1} min; {Machine.Cores} cores ({Machine.CpuModel}), {Machine.Redis}, {Machine.Postgres}. ");
        sb.Append(c, $"Same redis-server, PostgreSQL, data ({Seed.Citizens:N0} citizens, {Seed.Venues:N0} venues, {Seed.Gates:N0} gates), keys and settings; ");
        sb.Append("one server process at a time, in turns; wrk on the same machine.\n\n");
        sb.Append(Table()).Append('\n');
        sb.Append("| target | measured | met |\n|---|---|---|\n");
        foreach (var t in Targets) sb.Append(c, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
        if (Notes.Count > 0) sb.Append("\nNotes:\n").Append(string.Concat(Notes.Select(n => $"- {n}\n")));
        return sb.ToString();
    }

    /// <summary>A row per turn: the maximum, each process's CPU per scan at the maximum and at the common rate, and the latency at that rate.</summary>
    public string Table()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("| turn | max verify/s (connections) | server CPU µs/scan at max / at 50% | redis CPU µs/scan at max / at 50% | postgres CPU µs/scan at max / at 50% | at 50% rate: p50 / p99 / max ms |\n|---|---|---|---|---|---|\n");
        foreach (var t in Turns)
        {
            sb.Append(c, $"| {t.Side}{t.Round} | {t.MaxPerSecond:N0} ({t.MaxConnections}) | ");
            foreach (var process in Processes)
            {
                var (atMax, atHalf) = t.Micros(process);
                sb.Append(c, $"{atMax:N1} / {atHalf:N1} | ");
            }
            sb.Append(c, $"{t.AtHalf.P50:0.00} / {t.AtHalf.P99:0.00} / {t.AtHalf.Max:0.0} at {t.HalfRate:N0}/s |\n");
        }
        sb.Append(c, $"| **B / A** | **{ThroughputRatio:0.00}x** | ");
        foreach (var process in Processes)
        {
            var (atMax, atHalf) = CpuRatio(process);
            sb.Append(c, $"**{atMax:0.00}x / {atHalf:0.00}x** | ");
        }
        sb.Append(c, $"**p99 {P99Ratio:0.00}x** |\n");
        return sb.ToString();
    }
}
