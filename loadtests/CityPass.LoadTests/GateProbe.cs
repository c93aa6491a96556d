using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CityPass.LoadTests;

/// <summary>
/// The runner's own gate: a scan every <c>every</c>, one at a time, each timed and named by the runner. wrk can't
/// tie a problem answer (503 store_unavailable) to its request, so the probe is where a refused scan's latency is
/// measured, and its refused scans are known by id for the archive check. Its load is nothing beside wrk's.
/// </summary>
public sealed class GateProbe : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly IReadOnlyList<string> _passes;
    private readonly IReadOnlyList<string> _gates;
    private readonly long _zeroMs;
    private readonly TimeSpan _every;
    private readonly List<ProbeAnswer> _answers = [];
    private readonly Random _random = new(20261212);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="passes">Pass texts.</param>
    /// <param name="gateCredentials">Gate credentials, "cpg_&lt;gate id, 32 hex digits&gt;_&lt;secret&gt;".</param>
    public GateProbe(Uri server, IReadOnlyList<string> passes, IReadOnlyList<string> gateCredentials, long zeroMs, TimeSpan every)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
        (_passes, _gates, _zeroMs, _every) = (passes, gateCredentials, zeroMs, every);
        _loop = LoopAsync(_stop.Token);
    }

    public async Task<IReadOnlyList<ProbeAnswer>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return [.. _answers];
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) _answers.Add(await ScanAsync());
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<ProbeAnswer> ScanAsync()
    {
        var credential = _gates[_random.Next(_gates.Count)];
        var key = new ScanKey(Guid.ParseExact(credential[4..36], "N"), Guid.NewGuid());
        var body = JsonSerializer.Serialize(new { text = _passes[_random.Next(_passes.Count)], scanId = key.ScanId, direction = "in" });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/scans", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Gate", credential);
        var at = (MonotonicClock.NowMs - _zeroMs) / 1000.0;
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            return new ProbeAnswer(at, ms, (int)response.StatusCode, Code(text), key);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new ProbeAnswer(at, Stopwatch.GetElapsedTime(sent).TotalMilliseconds, 0, "-", key);
        }
    }

    /// <summary>The decision's code, or the problem's.</summary>
    private static string Code(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("code", out var c) && c.GetString() is { } code ? code : "-";
        }
        catch (JsonException)
        {
            return "-";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
        _http.Dispose();
    }
}
