using System.Xml.Linq;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// The console's key ring is read from Redis synchronously under the gates' 250 ms sync timeout. A Redis that stalls
/// for longer once (here: CLIENT PAUSE, as a busy machine or a fork for a rewrite would) must not turn the read into
/// a failed console page.
/// </summary>
public sealed class DataProtectionKeyRingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int StallMilliseconds = 500;

    [Fact]
    public async Task AKeyRingReadThatTimesOutOnceIsReadAgainAndAnswers()
    {
        await using var gates = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",syncTimeout=250");
        await using var other = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",allowAdmin=true");
        var key = "cp:test-key-ring:" + Guid.NewGuid();
        // Stored through the other connection, whose timeout is the default's: only the reads run under the gates'.
        new RedisXmlRepository(() => other.GetDatabase(), key).StoreElement(new XElement("key", new XAttribute("id", "k1")), "k1");
        var ring = new RedisXmlRepository(() => gates.GetDatabase(), key);

        // Without the retry, the read in a stall answers the timeout (a 503 in a page)...
        await StallAsync(other);
        Assert.Throws<RedisTimeoutException>(() => ring.GetAllElements());
        await WaitForTheStallToEndAsync(other);

        // ...with it, the read is tried again and answers once Redis does.
        await StallAsync(other);
        var elements = new RetryingXmlRepository(ring).GetAllElements();

        Assert.Equal("k1", Assert.Single(elements).Attribute("id")?.Value);
    }

    [Fact]
    public async Task ARedisThatStaysAwayStillFailsTheRead()
    {
        await using var gates = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",syncTimeout=250");
        await using var other = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",allowAdmin=true");
        var ring = new RetryingXmlRepository(new RedisXmlRepository(() => gates.GetDatabase(), "cp:test-key-ring:" + Guid.NewGuid()));

        // Longer than every try together: the failure is still the store's (a 503), not a wait without end.
        await other.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        Assert.Throws<RedisTimeoutException>(() => ring.GetAllElements());
        await other.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");
    }

    // CLIENT PAUSE answers once the pause is in force, so the read that follows meets it.
    private static async Task StallAsync(ConnectionMultiplexer other) =>
        await other.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", StallMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");

    private static async Task WaitForTheStallToEndAsync(ConnectionMultiplexer other) => await other.GetDatabase().PingAsync();
}
