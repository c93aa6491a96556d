using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// One turn of the archiver comparison: the archiver's process of one side, at the common offered rate, and each
/// process's CPU per answered scan (µs). <see cref="RedisArchiveMicros"/> is the archiver's commands' time inside Redis
/// (INFO commandstats: executing them, not reading or answering them), part of <see cref="RedisMicros"/>.
/// </summary>
public sealed record ArchiverTurn(
    string Side, int Round, double OfferedPerSecond, double AnsweredPerSecond, double ServerMicros, double ArchiverMicros, double RedisMicros,
    double RedisArchiveMicros, double PostgresMicros, LatencyStats Latency, long Count5xx)
{
    /// <summary>What archiving a scan costs: the archiver's process, its commands in Redis, and PostgreSQL (whose only client it is here).</summary>
    public double ArchiveMicros => ArchiverMicros + RedisArchiveMicros + PostgresMicros;
}

/// <summary>The archiver comparison's results (archiver-results.json) and report (archiver-report.md).</summary>
public sealed record ArchiverResults(
    DateTimeOffset StartedAt, double TotalMinutes, string Command, MachineInfo Machine, string Baseline, SeedResult Seed, double MaxPerSecond,
    IReadOnlyList<ArchiverTurn> Turns, ArchiveVerdict Archive, IReadOnlyList<string> Notes)
{
    public double Mean(string side, Func<ArchiverTurn, double> value) => Turns.Where(t => t.Side == side).Average(value);

    /// <summary>What B's archive costs a scan beyond A's (µs), and that as a share of B's: with A the build without a part, the part's share.</summary>
    public (double Micros, double ShareOfB) Difference
    {
        get
        {
            var (a, b) = (Mean("A", t => t.ArchiveMicros), Mean("B", t => t.ArchiveMicros));
            return (b - a, (b - a) / b);
        }
    }

    public IReadOnlyList<TargetCheck> Targets =>
    [
        new("zero 5xx", $"{Turns.Sum(t => t.Count5xx)} 5xx", Turns.Sum(t => t.Count5xx) == 0),
        new("every scan answered is in PostgreSQL", $"{Archive.AnsweredScans:N0} answered, {Archive.Missing} missing", Archive.Passed),
    ];

    public string Markdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"# The archiver apart: this build (B) against {Baseline} (A)\n\n");
        sb.Append(c, $"`{Command}`, {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalMinutes:N1} min; {Machine.Cores} cores ({Machine.CpuModel}), {Machine.Redis}, {Machine.Postgres}. ");
        sb.Append(c, $"Data: {Seed.Citizens:N0} citizens, {Seed.Venues:N0} venues, {Seed.Gates:N0} gates. ");
        sb.Append(c, $"One server (this build, `HotState__Archive=false`) answers every scan; a second process gets no requests and archives, ");
        sb.Append(c, $"of A's build and of B's in turns. Every turn offers {(Turns.Count > 0 ? Turns[0].OfferedPerSecond : 0):N0} scans/s, half the server's ");
        sb.Append(c, $"closed-loop maximum ({MaxPerSecond:N0}/s at 64 connections). CPU per answered scan, µs; wrk on the same machine.\n\n");
        sb.Append("| turn | answered/s | server (answers) | archiver's process | Redis (all) | of which the archiver's commands | PostgreSQL | **archive** (process + commands + PostgreSQL) | p99 ms |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var t in Turns)
        {
            sb.Append(c, $"| {t.Side}{t.Round} | {t.AnsweredPerSecond:N0} | {t.ServerMicros:N1} | {t.ArchiverMicros:N1} | {t.RedisMicros:N1} | {t.RedisArchiveMicros:N2} | ");
            sb.Append(c, $"{t.PostgresMicros:N1} | **{t.ArchiveMicros:N1}** | {t.Latency.P99:0.00} |\n");
        }
        foreach (var side in new[] { "A", "B" })
        {
            sb.Append(c, $"| mean {side} | {Mean(side, t => t.AnsweredPerSecond):N0} | {Mean(side, t => t.ServerMicros):N1} | {Mean(side, t => t.ArchiverMicros):N1} | ");
            sb.Append(c, $"{Mean(side, t => t.RedisMicros):N1} | {Mean(side, t => t.RedisArchiveMicros):N2} | {Mean(side, t => t.PostgresMicros):N1} | ");
            sb.Append(c, $"**{Mean(side, t => t.ArchiveMicros):N1}** | {Mean(side, t => t.Latency.P99):0.00} |\n");
        }
        var (micros, share) = Difference;
        sb.Append(c, $"\n**B − A: {micros:N2} µs of archive a scan, {share:P1} of B's archive** (means of the turns; each side's turns ");
        sb.Append(c, $"range {Range("A")} and {Range("B")} µs).\n\n");
        sb.Append("| target | measured | met |\n|---|---|---|\n");
        foreach (var t in Targets) sb.Append(c, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
        if (Notes.Count > 0) sb.Append("\nNotes:\n").Append(string.Concat(Notes.Select(n => $"- {n}\n")));
        return sb.ToString();
    }

    private string Range(string side)
    {
        var values = Turns.Where(t => t.Side == side).Select(t => t.ArchiveMicros).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{values.Min():N1}-{values.Max():N1}");
    }
}
