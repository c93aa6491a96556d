using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// An experiment (--redis-nice-children N): lowers the CPU priority of every child redis-server forks (the append-only
/// file's rewrite, a snapshot) to nice N, within 50 ms of the fork. On this machine every process shares two cores, and a
/// rewrite's child takes one of them for half a minute; niced, it gets what the others leave, as it would on a Redis host
/// with a core to spare for it (or <c>aof-rewrite-cpulist</c> pinning it off the main thread's core).
/// </summary>
public sealed class RewriteChildNicer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly HashSet<int> _done = [];

    public RewriteChildNicer(Func<int> redisProcessId, int nice, Action<string> say)
    {
        _loop = LoopAsync(redisProcessId, nice, say, _stop.Token);
    }

    public int Niced { get; private set; }

    private async Task LoopAsync(Func<int> redisProcessId, int nice, Action<string> say, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var pid = redisProcessId();
                string children;
                try
                {
                    // ReadAllBytes reads a /proc file to its end; a FileStream trusts its length, which /proc reports as 0.
                    children = Encoding.ASCII.GetString(File.ReadAllBytes($"/proc/{pid}/task/{pid}/children"));
                }
                catch (IOException)
                {
                    continue; // redis-server between a kill and its restart
                }
                foreach (var part in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(part, out var child) || !_done.Add(child)) continue;
                    var renice = await Processes.RunAsync("renice", ["-n", nice.ToString(CultureInfo.InvariantCulture), "-p", part], TimeSpan.FromSeconds(5));
                    if (renice.ExitCode == 0)
                    {
                        Niced++;
                        say($"redis-server's child {child} set to nice {nice}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
