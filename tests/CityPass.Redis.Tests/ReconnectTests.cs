using CityPass.Redis.Tests.Infrastructure;

namespace CityPass.Redis.Tests;

/// <summary>Owns its server, since it kills it.</summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PendingCallsFailFastWhenServerIsKilledAndTheClientRecoversByItself()
    {
        // A command timeout far beyond the test's patience: any call that fails must fail because the connection dropped, not by timing out.
        await using var client = await RedisClient.ConnectAsync($"{_server.EndPoint},commandTimeout=120000,reconnectBaseDelay=50,reconnectMaxDelay=500");
        var script = new RedisScript("return redis.call('INCR', KEYS[1])");
        await client.LoadScriptAsync(script);

        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var successes = 0;
        var callers = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // DEBUG SLEEP keeps calls pending on the server when it dies.
                    if (i == 0) await client.ExecuteAsync("DEBUG", "SLEEP", "0.2");
                    else await client.EvaluateAsync(script, ["load:" + i]);
                    Interlocked.Increment(ref successes);
                }
                catch (RedisException ex)
                {
                    failures.Add(ex);
                    await Task.Delay(10);
                }
            }
        })).ToArray();

        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref successes) > 200), TimeSpan.FromSeconds(20), "load is flowing");
        _server.Kill();

        await Eventually.TrueAsync(() => Task.FromResult(failures.Count >= 50), TimeSpan.FromSeconds(10), "calls fail while the server is down");
        Assert.All(failures, failure => Assert.IsType<RedisConnectionException>(failure));
        var whileDown = await Assert.ThrowsAsync<RedisConnectionException>(() => client.GetAsync("anything"));
        Assert.Contains("reconnecting", whileDown.Message, StringComparison.OrdinalIgnoreCase);

        await _server.StartAgainAsync();
        await Eventually.TrueAsync(async () => (await client.GetAsync("after-restart")) is null, TimeSpan.FromSeconds(20), "client reconnects by itself");

        var successesBefore = Volatile.Read(ref successes);
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref successes) > successesBefore + 100), TimeSpan.FromSeconds(20), "load resumes");

        await stop.CancelAsync();
        await Task.WhenAll(callers);
        Assert.All(failures, failure => Assert.IsType<RedisConnectionException>(failure));
    }

    [Fact]
    public async Task ScriptsAreReloadedByTheReconnectHandshake()
    {
        await using var client = await RedisClient.ConnectAsync($"{_server.EndPoint},reconnectBaseDelay=50,reconnectMaxDelay=500");
        var script = new RedisScript("return 'reloaded'");
        await client.LoadScriptAsync(script);

        _server.Kill();
        await _server.StartAgainAsync();
        await Eventually.TrueAsync(async () => await client.PingAsync() > TimeSpan.Zero, TimeSpan.FromSeconds(20), "client reconnects");

        // The restarted server began with an empty script cache (no persistence). Checked through redis-cli,
        // and the client never ran EVALSHA, so only the handshake can have loaded it.
        Assert.Equal("1", await _server.CliAsync("SCRIPT", "EXISTS", script.Sha1));
    }
}
