namespace CityPass.LoadTests;

/// <summary>
/// Reads haproxy's state of each server (UP, DOWN, MAINT, ...) twice a second from its admin socket, on the run's time
/// line (seconds from <c>zeroMs</c>): when the balancer stopped and started sending to a server, beside what the server's
/// own <c>/health/ready</c> said (haproxy checks it every second, and needs two answers in a row to change its mind).
/// </summary>
public sealed class BalancerPoller : IAsyncDisposable
{
    private readonly ClusterRig _rig;
    private readonly long _zeroMs;
    private readonly List<BalancerSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BalancerPoller(ClusterRig rig, long zeroMs)
    {
        (_rig, _zeroMs) = (rig, zeroMs);
        _loop = LoopAsync(_stop.Token);
    }

    public async Task<IReadOnlyList<BalancerSample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_samples) return [.. _samples];
    }

    /// <summary>Consecutive samples that said the same, as one span each.</summary>
    public static IReadOnlyList<BalancerSpan> Compress(IReadOnlyList<BalancerSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var spans = new List<BalancerSpan>();
        foreach (var s in samples)
        {
            if (spans.Count > 0 && spans[^1].Label == s.Label) spans[^1] = spans[^1] with { ToSeconds = s.AtSeconds, Samples = spans[^1].Samples + 1 };
            else spans.Add(new BalancerSpan(s.AtSeconds, s.AtSeconds, s.Label, 1));
        }
        return spans;
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            do
            {
                var at = (MonotonicClock.NowMs - _zeroMs) / 1000.0;
                var states = await _rig.BalancerStatesAsync();
                lock (_samples) _samples.Add(new BalancerSample(at, states));
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
