using System.Collections.Concurrent;
using System.Diagnostics;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// Gates scanning foreign passes concurrently through one hot state while a fault test breaks Redis.
/// Like a real gate, each retries a failed scan with the same scan id until it gets an answer, so
/// every scan Redis ran is answered once (new) or again (duplicate), and what it answered can be
/// checked against the state afterwards.
/// </summary>
public sealed class ScanLoad
{
    private readonly IHotState _hot;
    private readonly Guid[] _venues;
    private volatile bool _stopping;
    private readonly Task[] _gates;
    private int _answers;

    public ScanLoad(IHotState hot, int gates, params Guid[] venues)
    {
        _hot = hot;
        _venues = venues;
        _gates = Enumerable.Range(0, gates).Select(i => Task.Run(() => GateAsync(i))).ToArray();
    }

    public int Answers => Volatile.Read(ref _answers);

    /// <summary>Every failed call: what it threw and how long the caller waited for that.</summary>
    public ConcurrentQueue<(Exception Error, TimeSpan Took)> Failures { get; } = new();

    /// <summary>The first answer to each scan id.</summary>
    public ConcurrentDictionary<Guid, ScanRecord> Answered { get; } = new();

    /// <summary>Answers that differ from the first answer to the same scan id (must stay empty).</summary>
    public ConcurrentQueue<string> Contradictions { get; } = new();

    public Task WaitForAnswersAsync(int more, TimeSpan deadline, string what)
    {
        var target = Answers + more;
        return Eventually.TrueAsync(() => Task.FromResult(Answers >= target), deadline, what);
    }

    /// <summary>Stops the gates once each has an answer to the scan it is on.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        await Task.WhenAll(_gates).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task GateAsync(int index)
    {
        var gate = Guid.NewGuid();
        var venue = _venues[index % _venues.Length];
        while (!_stopping)
        {
            var attempt = Passes.Attempt(venue, Passes.Foreign(), ScanDirection.In, gateId: gate);
            // Until answered, even after Stop: a scan Redis ran must be accounted for.
            for (var answered = false; !answered;)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var outcome = (await _hot.ScanAsync(attempt, CancellationToken.None))!;
                    var first = Answered.GetOrAdd(attempt.ScanId, outcome.Record);
                    if (first != outcome.Record) Contradictions.Enqueue($"scan {attempt.ScanId}: {first} then {outcome.Record}");
                    Interlocked.Increment(ref _answers);
                    answered = true;
                }
                catch (Exception e)
                {
                    Failures.Enqueue((e, clock.Elapsed));
                    await Task.Delay(20);
                }
            }
        }
    }
}
