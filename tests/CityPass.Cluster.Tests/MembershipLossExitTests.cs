using System.Diagnostics;
using CityPass.Core.Keys;
using CityPass.Testing;

namespace CityPass.Cluster.Tests;

/// <summary>
/// A server process whose membership row vanished (its Redis restarted empty) restarts itself, and does so in
/// seconds: Orleans' own goodbye to a table that is gone retries for a minute, with the server answering nothing.
/// </summary>
public sealed class MembershipLossExitTests : IAsyncLifetime
{
    private const string ClusterIdPrefix = "exit-";
    private readonly string _clusterId = ClusterIdPrefix + Guid.NewGuid().ToString("N");
    private RedisServer _redis = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ConnectionStrings:Postgres"] = await (await PostgresServer.Shared).CreateDatabaseAsync("exit"),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Keys:KeySetJson"] = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:MembershipCheckSeconds"] = "1",
            ["Orleans:MembershipLossJitterSeconds"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AReplicaWhoseMembershipRowIsGoneEndsItsProcessWithinSeconds()
    {
        // The table as the provider keeps it: one hash under "{ServiceId}/members/{ClusterId}".
        var table = $"citypass/members/{_clusterId}";
        await Eventually.TrueAsync(async () => await _redis.CliAsync("EXISTS", table) == "1", TimeSpan.FromSeconds(30), "the silo's row is in the table");
        // Two checks (a second apart) for the watchdog to have seen its row before it is taken away.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var gone = Stopwatch.StartNew();
        Assert.Equal("1", await _redis.CliAsync("DEL", table));
        await Eventually.TrueAsync(() => Task.FromResult(_server.HasExited), TimeSpan.FromSeconds(40), "the process ended");
        gone.Stop();

        // Three missed checks, then 5 s (Orleans:ExitAfterMembershipLossSeconds) for requests in flight.
        Assert.True(gone.Elapsed < TimeSpan.FromSeconds(15), $"the process ended {gone.Elapsed.TotalSeconds:F1} s after its row was deleted");
        // Its own doing, not a crash: the watchdog said so before stopping (the very last line may not be flushed before the exit).
        Assert.Contains("row is gone from the membership table", _server.Output, StringComparison.Ordinal);
    }
}
