using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The server's console log, read for the fault run's report: one entry per message, with a count and a time.</summary>
public sealed class ServerLogDigestTests
{
    private static readonly DateTime Zero = new(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void EachMessageOnceWithHowOftenAndWhenFirst()
    {
        string[] lines =
        [
            "10:00:05.250 warn: CityPass.Server.Health.StoreMonitor[0]",
            "      The hot state (Redis) is not answering (RedisConnectionException); requests that need it answer 503 store_unavailable until it does.",
            "10:00:05.900 info: CityPass.Server.Health.StoreMonitor[0]",
            "      The hot state (Redis) answers again, after 0.6 s.",
            "10:00:09.000 warn: CityPass.Server.Stores.Redis.ScanArchiver[0]",
            "      Scan archiving failed (RedisTimeoutException: Timeout awaiting response (outbound=2KiB, inbound=0KiB, 284ms elapsed, timeout is 250ms)); retrying in 100 ms.",
            "   at StackExchange.Redis.Something()",
            "10:00:09.500 warn: CityPass.Server.Stores.Redis.ScanArchiver[0]",
            "      Scan archiving failed (RedisTimeoutException: Timeout awaiting response (outbound=0KiB, inbound=0KiB, 264ms elapsed, timeout is 250ms)); retrying in 200 ms.",
            "10:00:40.000 crit: CityPass.Server.Cluster.MembershipWatchdog[0]",
            "      This silo's row is gone from the membership table (did its Redis restart empty?); restarting in 2 s to rejoin a fresh table.",
        ];

        var messages = ServerLogDigest.Digest("server.log", lines, Zero);

        Assert.Equal(3, messages.Count);
        Assert.Equal(("warning", "CityPass.Server.Health.StoreMonitor", 1, 5.25), (messages[0].Level, messages[0].Category, messages[0].Count, messages[0].FirstAtSeconds!.Value));
        Assert.Equal((2, 9.0), (messages[1].Count, messages[1].FirstAtSeconds!.Value));
        Assert.Equal(("critical", 40.0), (messages[2].Level, messages[2].FirstAtSeconds!.Value));
    }

    [Fact]
    public void ALineWithoutATimestampHasNoTime()
    {
        var messages = ServerLogDigest.Digest("server.log", ["\uFEFFwarn: CityPass.Server[0]", "      Console library folder node_modules/htmx.org/dist is missing"], Zero);

        Assert.Single(messages);
        Assert.Null(messages[0].FirstAtSeconds);
    }

    [Fact]
    public void ATimeJustBeforeMidnightIsJustBeforeAZeroJustAfterIt()
    {
        var messages = ServerLogDigest.Digest("server.log", ["23:59:59.000 warn: C[0]", "      m"], new DateTime(2026, 12, 2, 0, 0, 1, DateTimeKind.Utc));

        Assert.Equal(-2.0, messages[0].FirstAtSeconds!.Value, 9);
    }

    [Fact]
    public void MessagesThatDifferOnlyInTheirFiguresAreOne() =>
        Assert.Equal(ServerLogDigest.Shape("after 12.5 s, 300 entries"), ServerLogDigest.Shape("after 0.7 s, 4 entries"));
}
