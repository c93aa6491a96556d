using System.Diagnostics;

namespace CityPass.LoadTests;

/// <summary>
/// The A/B comparison (<c>--ab-baseline</c>): this build (B) against a server built from another commit
/// (A), on the same stores, data, keys and settings, one server at a time, in turns A, B, A, B, so a
/// drift of the shared machine hits both sides alike. Each turn: warm-up, closed-loop maximum at each
/// of <see cref="RunOptions.AbConnections"/> (the better counts), then a fixed rate at 50% of A's first
/// maximum, the same offered load for both sides. Each measured step starts right after a rewrite of
/// Redis's append-only file, so none falls inside a step. Every answered scan of both sides is then
/// checked against PostgreSQL.
/// </summary>
public sealed partial class LoadTestRun
{
    public async Task<AbResults> CompareAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var baseline = BaselineDll();
        var current = ServerDll(options.RepoRoot);
        // The current build seeds; the turns then replace the server process.
        var (rig, machine, seed) = await SetUpAsync(current);
        await using var _ = rig;

        var turns = new List<AbTurn>();
        var steps = new List<ScenarioResult>();
        double? halfOfA = null;
        for (var round = 1; round <= options.AbRounds; round++)
        {
            foreach (var (side, dll) in new[] { ("A", baseline), ("B", current) })
            {
                Say($"Turn {side}{round}: starting {(side == "A" ? "the baseline" : "this build")} ({dll})");
                await rig.ReplaceServerAsync(dll, $"server-{side}{round}.log");
                _server = rig.Server;
                await MintAsync($"turn {side}{round}");
                await StepAsync($"{side}{round}-warmup", "warm-up", $"{side}{round} warm-up: scans", "scans.lua", 32, options.AbWarmUp, null, Scans());

                ScenarioResult? best = null;
                foreach (var c in options.AbConnections)
                {
                    await EnsurePoolAsync(options.SweepStep);
                    await RewriteAppendOnlyFileAsync(rig);
                    var max = await StepAsync($"{side}{round}-max-c{c}", "ab-max", $"{side}{round} verify, closed loop, {c} connections", "scans.lua", c,
                        options.SweepStep, null, Scans(), keep: false);
                    steps.Add(max);
                    if (best is null || max.RequestsPerSecond > best.RequestsPerSecond) best = max;
                }
                halfOfA ??= Math.Max(1, Math.Round(best!.RequestsPerSecond * 0.5));
                await EnsurePoolAsync(options.RateStep);
                await RewriteAppendOnlyFileAsync(rig);
                var half = await StepAsync($"{side}{round}-rate-50", "ab-rate", $"{side}{round} verify at {halfOfA:N0}/s (50% of A's first maximum)", "scans.lua",
                    options.RateConnections, options.RateStep, halfOfA, Scans(retry: options.RetryPermille), keep: false);
                steps.Add(half);
                turns.Add(new AbTurn(side, round, best!.RequestsPerSecond, best.Connections, best.Cpu, halfOfA.Value, half.RequestsPerSecond, half.Latency, half.Cpu,
                    best.Count5xx + half.Count5xx));
            }
        }

        Say("Waiting for the archive to catch up, then checking every answered (gate, scan id) of both sides against PostgreSQL");
        var archive = await ArchiveCheck.RunAsync(_redis!, rig.Postgres.ConnectionString(), _logs, TimeSpan.FromMinutes(3));
        Say($"Archive: answered {archive.AnsweredScans:N0}, missing {archive.Missing} -> {(archive.Passed ? "PASS" : "FAIL")}");
        if (await ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var command = $"loadtests/run.sh --ab {options.AbBaselineName ?? baseline}" + (options.AbRounds == 2 ? "" : $" --ab-rounds {options.AbRounds}");
        return new AbResults(started, clock.Elapsed.TotalMinutes, command, machine, options.AbBaselineName ?? baseline, seed, turns, steps, archive, _notes);
    }

    /// <summary>The baseline's CityPass.Server.dll (--ab-baseline), built.</summary>
    private string BaselineDll()
    {
        var baseline = options.AbBaselineDll ?? throw new InvalidOperationException("No baseline server: --ab-baseline.");
        if (!File.Exists(baseline)) throw new InvalidOperationException($"{baseline} is missing: build the baseline in Release first (loadtests/run.sh --ab REV does).");
        return baseline;
    }

    /// <summary>
    /// Rewrites Redis's append-only file now and waits for it, so no automatic rewrite (due each time the
    /// file has doubled) falls inside the step that follows: a rewrite stalls the tail for hundreds of
    /// milliseconds, and where it lands depends on the run's history, not on the side being measured
    /// (the first comparisons saw every rewrite land in B's fixed-rate steps).
    /// </summary>
    private static async Task RewriteAppendOnlyFileAsync(LoadTestRig rig)
    {
        var server = rig.Multiplexer.GetServer(rig.Multiplexer.GetEndPoints()[0]);
        if (!(await server.InfoAsync("persistence")).SelectMany(g => g).Any(kv => kv.Key == "aof_enabled" && kv.Value == "1")) return;
        static async Task<bool> InProgressAsync(StackExchange.Redis.IServer s) =>
            (await s.InfoAsync("persistence")).SelectMany(g => g).Any(kv => kv.Key is "aof_rewrite_in_progress" or "aof_rewrite_scheduled" && kv.Value == "1");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await InProgressAsync(server) && DateTime.UtcNow < deadline) await Task.Delay(200);
        await server.ExecuteAsync("BGREWRITEAOF");
        await Task.Delay(200);
        while (await InProgressAsync(server) && DateTime.UtcNow < deadline) await Task.Delay(200);
    }
}
