using CityPass.Redis.Tests.Infrastructure;

namespace CityPass.Redis.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class StandaloneTests(StandaloneServerFixture redis)
{
    private readonly string _prefix = "t:" + Guid.NewGuid().ToString("N")[..8] + ":";

    private RedisClient Client => redis.Client;

    [Fact]
    public async Task StringsRoundTripWithExpiryAndConditions()
    {
        var key = _prefix + "s";

        Assert.True(await Client.SetAsync(key, "green"));
        Assert.Equal("green", await Client.GetAsync(key));
        Assert.False(await Client.SetAsync(key, "red", condition: SetCondition.IfNotExists));
        Assert.Equal("green", await Client.GetAsync(key));
        Assert.True(await Client.SetAsync(_prefix + "nx", "first", TimeSpan.FromSeconds(30), SetCondition.IfNotExists));
        Assert.InRange((await Client.TimeToLiveAsync(_prefix + "nx"))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.False(await Client.SetAsync(_prefix + "absent", "x", condition: SetCondition.IfExists));
        Assert.Null(await Client.GetAsync(_prefix + "absent"));
        Assert.Null(await Client.TimeToLiveAsync(key));

        Assert.True(await Client.ExpireAsync(key, TimeSpan.FromMilliseconds(1500)));
        Assert.InRange((await Client.TimeToLiveAsync(key))!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1500));
        Assert.True(await Client.ExpireAsync(key, TimeSpan.FromSeconds(60)));
        Assert.False(await Client.ExpireAsync(_prefix + "absent", TimeSpan.FromSeconds(1)));

        Assert.True(await Client.DeleteAsync(key));
        Assert.False(await Client.ExistsAsync(key));
        Assert.Equal(new byte[] { 0, 255, 13, 10 }, await SetAndGetBytes(_prefix + "b", new byte[] { 0, 255, 13, 10 }));
    }

    private async Task<byte[]?> SetAndGetBytes(string key, byte[] value)
    {
        await Client.SetAsync(key, value);
        return await Client.GetBytesAsync(key);
    }

    [Fact]
    public async Task CountersIncrementAndDecrement()
    {
        var key = _prefix + "n";

        Assert.Equal(1, await Client.IncrementAsync(key));
        Assert.Equal(11, await Client.IncrementAsync(key, 10));
        Assert.Equal(10, await Client.DecrementAsync(key));
        Assert.Equal(7, await Client.DecrementAsync(key, 3));
        await Client.SetAsync(_prefix + "text", "abc");
        var error = await Assert.ThrowsAsync<RedisServerException>(() => Client.IncrementAsync(_prefix + "text"));
        Assert.Equal("ERR", error.Prefix);
    }

    [Fact]
    public async Task HashesAndSetsWork()
    {
        var hash = _prefix + "h";
        Assert.Equal(2, await Client.HashSetAsync(hash, [("status", "green"), ("version", 3)]));
        Assert.False(await Client.HashSetAsync(hash, "status", "amber"));
        Assert.Equal("amber", await Client.HashGetAsync(hash, "status"));
        Assert.Equal(5, await Client.HashIncrementAsync(hash, "version", 2));
        Assert.Equal(new Dictionary<string, string> { ["status"] = "amber", ["version"] = "5" }, await Client.HashGetAllAsync(hash));
        Assert.True(await Client.HashDeleteAsync(hash, "status"));
        Assert.Null(await Client.HashGetAsync(hash, "status"));
        Assert.Empty(await Client.HashGetAllAsync(_prefix + "nohash"));

        var set = _prefix + "set";
        Assert.True(await Client.SetAddAsync(set, "a"));
        Assert.False(await Client.SetAddAsync(set, "a"));
        Assert.True(await Client.SetAddAsync(set, "b"));
        Assert.True(await Client.SetContainsAsync(set, "b"));
        Assert.Equal(2, await Client.SetLengthAsync(set));
        Assert.Equal(["a", "b"], (await Client.SetMembersAsync(set)).Order());
        Assert.True(await Client.SetRemoveAsync(set, "a"));
        Assert.False(await Client.SetContainsAsync(set, "a"));

        var wrongType = await Assert.ThrowsAsync<RedisServerException>(() => Client.GetAsync(set));
        Assert.Equal("WRONGTYPE", wrongType.Prefix);
    }

    [Fact]
    public async Task EveryReplyReachesItsOwnCaller()
    {
        const int callers = 1000;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(async i =>
        {
            await Task.Yield();
            var key = $"{_prefix}c:{i}";
            await Client.SetAsync(key, $"value-{i}");
            var value = await Client.GetAsync(key);
            var counter = await Client.IncrementAsync(key + ":n", i);
            var echoed = await Client.ExecuteAsync("ECHO", $"echo-{i}");
            return (i, value, counter, echo: echoed.AsString());
        }));

        Assert.All(outcomes, o =>
        {
            Assert.Equal($"value-{o.i}", o.value);
            Assert.Equal(o.i, o.counter);
            Assert.Equal($"echo-{o.i}", o.echo);
        });
    }

    [Fact]
    public async Task ScriptRunsByShaAndSurvivesScriptFlush()
    {
        var script = new RedisScript("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCRBY', KEYS[2], ARGV[2])");
        var key = _prefix + "{lua}";

        var first = await Client.EvaluateAsync(script, [key + "a", key + "n"], ["x", 5]);
        await Client.ExecuteAsync("SCRIPT", "FLUSH");
        Assert.Equal(0, (await Client.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1))[0].AsInt64());
        var second = await Client.EvaluateAsync(script, [key + "a", key + "n"], ["y", 5]);

        Assert.Equal(5, first.AsInt64());
        Assert.Equal(10, second.AsInt64());
        Assert.Equal("y", await Client.GetAsync(key + "a"));
        Assert.Equal(1, (await Client.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1))[0].AsInt64());
    }

    [Fact]
    public async Task ScriptErrorsAndNilRepliesComeBackAsSuch()
    {
        var failing = new RedisScript("return redis.error_reply('DENIED not allowed')");
        var nothing = new RedisScript("return false");
        var table = new RedisScript("return {1, 'two', {3}}");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Client.EvaluateAsync(failing));
        Assert.Equal("DENIED", error.Prefix);
        Assert.True((await Client.EvaluateAsync(nothing)).IsNull);
        Assert.Equal("Array[Integer:1, BulkString:two, Array[Integer:3]]", (await Client.EvaluateAsync(table)).ToString());
    }

    [Fact]
    public async Task StreamsAddReadAcknowledgeClaimAndTrim()
    {
        var stream = _prefix + "events";
        Assert.True(await Client.StreamCreateGroupAsync(stream, "gates", "0"));
        Assert.False(await Client.StreamCreateGroupAsync(stream, "gates", "0"));

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add(await Client.StreamAddAsync(stream, [("gate", $"G{i}"), ("result", "green")], StreamTrim.ToMaxLength(1000)));

        var read = await Client.StreamReadGroupAsync(stream, "gates", "worker-1", count: 3);
        Assert.Equal(ids.Take(3), read.Select(e => e.Id));
        Assert.Equal("G0", read[0]["gate"]);
        Assert.Empty(await Client.StreamReadGroupAsync(_prefix + "nothing", "gates", "worker-1").ContinueWith(t => t.IsFaulted ? [] : t.Result));

        Assert.Equal(1, await Client.StreamAcknowledgeAsync(stream, "gates", read[0].Id));

        var claimed = await Client.StreamAutoClaimAsync(stream, "gates", "worker-2", TimeSpan.Zero);
        Assert.Equal(ids.Skip(1).Take(2), claimed.Entries.Select(e => e.Id));
        Assert.Equal("0-0", claimed.NextStartId);
        Assert.Empty(claimed.DeletedIds);
        Assert.Equal(2, await Client.StreamAcknowledgeAsync(stream, "gates", [claimed.Entries[0].Id, claimed.Entries[1].Id]));

        Assert.Equal(2, await Client.StreamReadGroupAsync(stream, "gates", "worker-1", count: 10).ContinueWith(t => t.Result.Length));
        Assert.Equal(3, await Client.StreamTrimAsync(stream, StreamTrim.ToMinId(ids[3], approximate: false)));
        Assert.Equal(2, await Client.StreamLengthAsync(stream));
        await Client.StreamAddAsync(stream, [("gate", "G9")], StreamTrim.ToMaxLength(1, approximate: false));
        Assert.Equal(1, await Client.StreamLengthAsync(stream));
    }

    [Fact]
    public async Task SubscriberReceivesMessagesInOrder()
    {
        await using var subscriber = await Client.CreateSubscriberAsync();
        var channel = _prefix + "news";
        var received = new List<string>();
        var patternHits = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync(channel, message =>
        {
            received.Add(message.Text);
            if (received.Count == 100) done.TrySetResult();
        });
        await subscriber.PatternSubscribeAsync(_prefix + "new*", message =>
        {
            lock (patternHits) patternHits.Add(message.Channel);
            return Task.CompletedTask;
        });

        // Each message reaches the channel subscription and the pattern subscription.
        for (var i = 0; i < 100; i++) Assert.Equal(2, await Client.PublishAsync(channel, $"m{i}"));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), received);
        await Eventually.TrueAsync(() => Task.FromResult(patternHits.Count == 100), TimeSpan.FromSeconds(10), "pattern handler got all messages");
        await subscriber.UnsubscribeAsync(channel);
        Assert.Equal(1, await Client.PublishAsync(channel, "after"));
    }

    [Fact]
    public async Task TimedOutCallLeavesLaterRepliesMatched()
    {
        await using var client = await redis.ConnectAsync("commandTimeout=200");
        await client.SetAsync(_prefix + "k", "mine");

        await Assert.ThrowsAsync<RedisTimeoutException>(() => client.ExecuteAsync("DEBUG", "SLEEP", "0.6"));

        // The late +OK of DEBUG SLEEP must be discarded, not handed to the next caller (which waits behind the sleep).
        Assert.Equal("mine", (await client.ExecuteAsync("GET", [_prefix + "k"], CancellationToken.None, TimeSpan.FromSeconds(10))).AsString());
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).AsString());
    }

    [Fact]
    public async Task PerCallTimeoutOverridesTheDefault()
    {
        await using var client = await redis.ConnectAsync("commandTimeout=100");
        var reply = await client.ExecuteAsync("DEBUG", ["SLEEP", "0.3"], CancellationToken.None, TimeSpan.FromSeconds(10));
        Assert.Equal("OK", reply.AsString());
    }

    [Fact]
    public async Task CancelledCallLeavesLaterRepliesMatched()
    {
        await using var client = await redis.ConnectAsync();
        await client.SetAsync(_prefix + "k2", "still mine");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExecuteAsync("DEBUG", ["SLEEP", "0.5"], cancel.Token));

        Assert.Equal("still mine", await client.GetAsync(_prefix + "k2"));
    }

    [Fact]
    public async Task AclUserAndDatabaseAreAppliedOnConnect()
    {
        await Client.ExecuteAsync("ACL", "SETUSER", "gateapp", "on", ">s3cret", "~*", "+@all");
        await using var client = await redis.ConnectAsync("user=gateapp,password=s3cret,database=3");

        await client.SetAsync(_prefix + "db3", "here");

        Assert.Equal("gateapp", (await client.ExecuteAsync("ACL", "WHOAMI")).AsString());
        Assert.Equal("here", await client.GetAsync(_prefix + "db3"));
        Assert.Null(await Client.GetAsync(_prefix + "db3"));
    }

    [Fact]
    public async Task WrongPasswordFailsAtConnect()
    {
        await Client.ExecuteAsync("ACL", "SETUSER", "locked", "on", ">right", "~*", "+@all");
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => redis.ConnectAsync("user=locked,password=wrong"));
        Assert.DoesNotContain("wrong", error.Message.Replace("WRONGPASS", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resp3ConnectionParsesMapsAndDoubles()
    {
        await using var client = await redis.ConnectAsync("protocol=3");
        await client.HashSetAsync(_prefix + "h3", [("a", 1), ("b", 2)]);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, await client.HashGetAllAsync(_prefix + "h3"));
        Assert.Equal(RedisReplyKind.Map, (await client.ExecuteAsync("HGETALL", _prefix + "h3")).Kind);
        await client.ExecuteAsync("ZADD", _prefix + "z", "1.5", "m");
        Assert.Equal(1.5, (await client.ExecuteAsync("ZSCORE", _prefix + "z", "m")).AsDouble());
    }

    [Fact]
    public async Task LargeValuesCrossManyReads()
    {
        var big = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(big);

        await Client.SetAsync(_prefix + "big", big);

        Assert.Equal(big, await Client.GetBytesAsync(_prefix + "big"));
    }

    [Fact]
    public async Task BlockingAndStateChangingCommandsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => { _ = Client.ExecuteAsync("BLPOP", "q", 0); });
        Assert.Throws<ArgumentException>(() => { _ = Client.ExecuteAsync("select", 2); });
        Assert.Throws<ArgumentException>(() => { _ = Client.ExecuteAsync("XREAD", "BLOCK", 0, "STREAMS", "s", "$"); });
        Assert.Equal("PONG", (await Client.ExecuteAsync("PING")).AsString());
    }

    [Fact]
    public async Task ConnectingToANonListeningPortFailsWithAConnectionError()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000"));
    }
}
