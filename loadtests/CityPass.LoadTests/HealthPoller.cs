using System.Text.Json;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// Asks the server's <c>GET /health/ready</c> once a second, as a load balancer would, and reads the archive
/// backlog (scan records waiting in Redis for the archiver) at the same moment; times in seconds from
/// <c>zeroMs</c> (<see cref="MonotonicClock"/>). Without a Redis connection it reads no backlog: the cluster run
/// polls every server, and reads the backlog once, with the balancer's poll.
/// </summary>
public sealed class HealthPoller : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly IDatabase? _redis;
    private readonly long _zeroMs;
    private readonly List<HealthSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public HealthPoller(Uri server, IDatabase? redis, long zeroMs)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMilliseconds(900) };
        _redis = redis;
        _zeroMs = zeroMs;
        _loop = LoopAsync(_stop.Token);
    }

    public async Task<IReadOnlyList<HealthSample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_samples) return [.. _samples];
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var sample = await SampleAsync();
                lock (_samples) _samples.Add(sample);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<HealthSample> SampleAsync()
    {
        var at = (MonotonicClock.NowMs - _zeroMs) / 1000.0;
        var (status, report, hot, records) = (0, (string?)null, (string?)null, (string?)null);
        try
        {
            // A connection each time: the server may have been restarted on the same port since the last one.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("health/ready", UriKind.Relative));
            request.Headers.ConnectionClose = true;
            using var response = await _http.SendAsync(request);
            status = (int)response.StatusCode;
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            report = body.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (body.RootElement.TryGetProperty("checks", out var checks) && checks.TryGetProperty("stores", out var stores) && stores.TryGetProperty("data", out var data))
            {
                hot = State(data, "hotState");
                records = State(data, "records");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            // No answer (refused, reset, slower than the poll): recorded as such.
        }
        long? backlog = null;
        if (_redis is null) return new HealthSample(at, status, report, hot, records, backlog);
        try
        {
            backlog = await ArchiveCheck.BacklogAsync(_redis).WaitAsync(TimeSpan.FromMilliseconds(500));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis away: no backlog to read.
        }
        return new HealthSample(at, status, report, hot, records, backlog);
    }

    /// <summary>"up", or "down" (the check says "down since ...").</summary>
    private static string? State(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.GetString() is { } text ? (text.StartsWith("down", StringComparison.Ordinal) ? "down" : text) : null;

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
        _http.Dispose();
    }
}
