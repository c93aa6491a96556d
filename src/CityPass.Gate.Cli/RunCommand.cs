using System.CommandLine;
using CityPass.Core.Venues;

namespace CityPass.Gate.Cli;

/// <summary>
/// `citypass-gate run`: the door loop. One scanned text per line on standard input (as a keyboard-wedge or serial
/// scanner delivers it), one JSON decision per line on standard output for the door controller, events on standard
/// error. In the background it fetches the bundle and uploads the journal whenever the server answers.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var direction = new Option<string>("--direction") { Description = "What this gate's scans are: in (entry) or out (exit).", DefaultValueFactory = _ => "in" };
        direction.AcceptOnlyFromAmong("in", "out");
        var budget = new Option<int>("--budget-ms") { Description = "The most a scan waits for the server before deciding offline.", DefaultValueFactory = _ => 300 };
        var maxDrift = new Option<int>("--max-clock-drift-s") { Description = "Offline decisions refuse when the gate's clock is further than this from the server's.", DefaultValueFactory = _ => 30 };
        var refresh = new Option<int>("--bundle-refresh-s") { Description = "How often to fetch a fresh bundle.", DefaultValueFactory = _ => 300 };
        var sync = new Option<int>("--sync-s") { Description = "How often to upload offline decisions while there are any.", DefaultValueFactory = _ => 30 };
        var command = new Command("run", "Decide each scanned line from standard input; print one JSON decision per line.") { state, direction, budget, maxDrift, refresh, sync };
        command.SetAction(async (parse, ct) =>
        {
            var options = new GateOptions
            {
                OnlineBudget = TimeSpan.FromMilliseconds(parse.GetValue(budget)),
                MaxClockDrift = TimeSpan.FromSeconds(parse.GetValue(maxDrift)),
            };
            try
            {
                options.Validate();
                using var terminal = GateTerminal.Open(parse.GetValue(state)!, options);
                return await RunAsync(terminal, parse.GetValue(direction) == "out" ? ScanDirection.Out : ScanDirection.In,
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(refresh))), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(sync))), ct);
            }
            catch (GateEnrolmentException e)
            {
                return CliOptions.Fail(e.Code, e.Message);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return CliOptions.Fail("invalid_option", e.Message);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(GateTerminal terminal, ScanDirection direction, TimeSpan refreshEvery, TimeSpan syncEvery, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var background = Task.WhenAll(
            EveryAsync(refreshEvery, async ct => Event($"bundle issued {(await terminal.RefreshBundleAsync(ct)).IssuedAt:O}"), stop.Token),
            EveryAsync(syncEvery, async ct =>
            {
                if (terminal.Journal.Backlog() == 0) return;
                var report = await terminal.SyncAsync(null, ct);
                Event($"uploaded {report.Uploaded} ({report.Disagreements} disagreements), {report.Remaining} left{(report.Error is null ? "" : ": " + report.Error)}");
            }, stop.Token));

        var input = Console.In;
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            var text = line.Trim();
            if (text.Length == 0) continue;
            var d = await terminal.DecideAsync(text, direction, cancellationToken);
            CliOptions.WriteJson(new
            {
                scanId = d.ScanId, decision = d.Decision, code = d.Code, colour = d.Colour, displayName = d.DisplayName,
                mode = d.Mode == DecisionMode.Online ? "online" : "offline", flagged = d.Flagged, scannedAt = d.ScannedAt,
                latencyMs = Math.Round(d.Latency.TotalMilliseconds, 3),
            });
        }
        await stop.CancelAsync();
        await background;
        return 0;
    }

    /// <summary>Runs <paramref name="work"/> now and then every <paramref name="interval"/>; a failure is an event on stderr, never the end of the loop.</summary>
    private static async Task EveryAsync(TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await work(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or GateServerException or GateNotAuthorisedException)
            {
                Event(e.Message);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Event(string message) => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:O} {message}");
}
