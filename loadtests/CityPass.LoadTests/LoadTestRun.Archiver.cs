using System.Diagnostics;

namespace CityPass.LoadTests;

/// <summary>
/// The archiver comparison (<c>--archiver-apart</c> with <c>--ab-baseline</c>): what moving scans from Redis to
/// PostgreSQL costs, apart from answering them. The server answers every scan and archives none
/// (<c>HotState__Archive=false</c>); a second process of the server's build gets no requests and archives, so its CPU is
/// the archiver's share of a server process. That process is the baseline's build (A) and this one's (B) in turns A, B,
/// A, B, while the server, the data and the offered load (50% of the server's maximum, measured once) stay the same: the
/// difference between the sides is what the change costs the archive, in each process. Every answered scan is then
/// checked against PostgreSQL.
/// </summary>
public sealed partial class LoadTestRun
{
    /// <summary>
    /// The archiver's Redis commands (ScanArchiver's, by INFO commandstats' names): the scans' own XADD runs inside their
    /// script, so no stream command outside a script is a scan's.
    /// </summary>
    private static readonly HashSet<string> ArchiveCommands = new(StringComparer.Ordinal)
    {
        "xreadgroup", "xack", "xtrim", "xpending", "xautoclaim", "xrange", "xdel", "xinfo|groups", "xinfo|consumers", "xgroup|create", "xgroup|delconsumer",
    };

    public async Task<ArchiverResults> CompareArchiversAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var baseline = BaselineDll();
        var current = ServerDll(options.RepoRoot);
        var (rig, machine, seed) = await SetUpAsync(current);
        await using var _ = rig;

        Say("Starting the archiver's process (this build) for the warm-up and the maximum");
        await rig.StartArchiverAsync(current, "archiver-warmup.log");
        await StepAsync("warmup", "warm-up", "Warm-up: scans", "scans.lua", 32, options.AbWarmUp, null, Scans());
        await EnsurePoolAsync(options.SweepStep);
        var max = await StepAsync("max-c64", "max", "Verify, closed loop, 64 connections", "scans.lua", 64, options.SweepStep, null, Scans(), keep: false);
        var half = Math.Max(1, Math.Round(max.RequestsPerSecond * 0.5));
        Say($"Maximum {max.RequestsPerSecond:N0}/s: every turn offers {half:N0}/s");

        var turns = new List<ArchiverTurn>();
        for (var round = 1; round <= options.AbRounds; round++)
        {
            foreach (var (side, dll) in new[] { ("A", baseline), ("B", current) })
            {
                Say($"Turn {side}{round}: the archiver's process is {(side == "A" ? "the baseline" : "this build")} ({dll})");
                await rig.StartArchiverAsync(dll, $"archiver-{side}{round}.log");
                await MintAsync($"turn {side}{round}");
                await EnsurePoolAsync(options.AbWarmUp + options.RateStep);
                await StepAsync($"{side}{round}-warmup", "warm-up", $"{side}{round} warm-up at {half:N0}/s", "scans.lua", options.RateConnections, options.AbWarmUp, half, Scans());
                await RewriteAppendOnlyFileAsync(rig);
                var before = _cpu!.Take();
                var step = await StepAsync($"{side}{round}-rate-50", "archiver", $"{side}{round} verify at {half:N0}/s", "scans.lua", options.RateConnections,
                    options.RateStep, half, Scans(retry: options.RetryPermille), keep: false);
                var after = _cpu.Take();
                var seconds = (after.At - before.At).TotalSeconds;
                double Micros(string group) => CpuMeter.Cores(before, after, group) * seconds * 1_000_000 / Scanned(step);
                var redisArchive = (step.RedisCommands ?? []).Where(c => ArchiveCommands.Contains(c.Command)).Sum(c => c.Micros) / Scanned(step);
                turns.Add(new ArchiverTurn(side, round, half, step.RequestsPerSecond, Micros("server"), Micros("archiver"), Micros("redis"), redisArchive,
                    Micros("postgres"), step.Latency, step.Count5xx));
            }
        }

        Say("Waiting for the archive to catch up, then checking every answered (gate, scan id) against PostgreSQL");
        var archive = await ArchiveCheck.RunAsync(_redis!, rig.Postgres.ConnectionString(), _logs, TimeSpan.FromMinutes(3));
        Say($"Archive: answered {archive.AnsweredScans:N0}, missing {archive.Missing} -> {(archive.Passed ? "PASS" : "FAIL")}");
        if (await ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var command = $"loadtests/run.sh --ab {options.AbBaselineName ?? baseline} --archiver-apart" + (options.AbRounds == 2 ? "" : $" --ab-rounds {options.AbRounds}");
        return new ArchiverResults(started, clock.Elapsed.TotalMinutes, command, machine, options.AbBaselineName ?? baseline, seed, max.RequestsPerSecond, turns, archive, _notes);
    }

    /// <summary>The scans a step answered: its rate over its duration.</summary>
    private static double Scanned(ScenarioResult step) => Math.Max(1, step.RequestsPerSecond * step.DurationSeconds);
}
