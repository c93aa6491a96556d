using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// Redis breaking under a running scan load, through the server's own connection settings
/// (<see cref="RedisConnection"/>: 250 ms per call, fail-fast backlog, background reconnect).
/// </summary>
public static class Faults
{
    /// <summary>
    /// Far below the library's 5 s default: the 250 ms budget, a heartbeat, and slack for a shared 2-core
    /// machine running the whole suite (a Sentinel failover was seen failing a call after 1.004 s there;
    /// the library checks timeouts on its heartbeat, which a busy box delays). A hard per-call deadline is
    /// the fail-safe issue's work.
    /// </summary>
    public static readonly TimeSpan FailsFastWithin = TimeSpan.FromSeconds(2);

    public static void AssertAllFailedFast(ScanLoad load, Func<Exception, bool> expected)
    {
        foreach (var (error, took) in load.Failures)
        {
            Assert.True(expected(error), $"unexpected {error.GetType().Name}: {error.Message}");
            Assert.True(took < FailsFastWithin, $"a call failed only after {took.TotalMilliseconds:0} ms: {error.GetType().Name}: {error.Message}");
        }
    }

    public static bool ConnectionLost(Exception e) => e is RedisConnectionException or RedisTimeoutException;
}

/// <summary>Owns its server, since it kills it.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ScansFailFastWhileRedisIsDownAndRecoverByThemselvesWithTheScriptReloaded()
    {
        await using var redis = await RedisConnection.ConnectAsync(_server.EndPoint);
        var hot = new RedisHotState(redis);
        var load = new ScanLoad(hot, 20, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await load.WaitForAnswersAsync(300, TimeSpan.FromSeconds(30), "scans flow");

        _server.Kill();
        await Eventually.TrueAsync(() => Task.FromResult(load.Failures.Count >= 50), TimeSpan.FromSeconds(10), "scans fail while Redis is down");
        var whileDown = load.Answers;
        await Task.Delay(300);
        Assert.Equal(whileDown, load.Answers);

        // A fresh process: empty, and without any script (no persistence).
        await _server.StartAgainAsync();
        await load.WaitForAnswersAsync(300, TimeSpan.FromSeconds(30), "scans flow again without any restart on our side");
        await load.StopAsync();

        Faults.AssertAllFailedFast(load, Faults.ConnectionLost);
        Assert.Empty(load.Contradictions);
        Assert.Equal("1", await _server.CliAsync("SCRIPT", "EXISTS", ScanScript.Script.Sha1Hex));
    }
}

/// <summary>A three-primary cluster of its own: these tests move slots around.</summary>
public sealed class ClusterSlotMigrationTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private RedisHotState _hot = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisConnection.ConnectAsync(cluster.ConnectionString);
        _hot = new RedisHotState(_redis);
        Assert.True(_hot.IsCluster);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    /// <summary>Moves every key of the slot with MIGRATE ... KEYS, a batch at a time, as redis-cli --cluster reshard does.</summary>
    private static async Task MigrateSlotKeysAsync(int slot, RedisServer source, RedisServer target)
    {
        while (true)
        {
            var keys = (await source.CliAsync("CLUSTER", "GETKEYSINSLOT", slot.ToString(CultureInfo.InvariantCulture), "200"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0) return;
            Assert.Equal("OK", await source.CliAsync(["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys]));
        }
    }

    private static Guid VenueInShard(int shard)
    {
        while (true)
        {
            var venue = Guid.NewGuid();
            if (RedisKeys.ShardOf(venue) == shard) return venue;
        }
    }

    [Fact]
    public async Task ScansKeepTheirContractWhileTheirVenuesSlotMigrates()
    {
        const int shard = 5;
        var slot = HashSlot.Of(RedisKeys.ScanStream(shard));
        var venues = Enumerable.Range(0, 4).Select(_ => VenueInShard(shard)).ToArray();
        var load = new ScanLoad(_hot, 16, venues);
        await load.WaitForAnswersAsync(300, TimeSpan.FromSeconds(30), "scans flow");
        var source = await cluster.OwnerOfAsync(slot);
        var target = cluster.Nodes.First(n => n != source);

        // While the slot is open, the script meets ASK (all its keys gone) or TRYAGAIN (some moved): it runs nowhere until the move ends.
        await RedisClusterFixture.BeginMigrationAsync(slot, source, target);
        await MigrateSlotKeysAsync(slot, source, target);
        await cluster.FinishMigrationAsync(slot, target);
        // Now MOVED: the library follows it and learns the slot's new owner.
        await load.WaitForAnswersAsync(300, TimeSpan.FromSeconds(30), "scans flow to the slot's new owner");
        await load.StopAsync();

        Assert.Same(target, await cluster.OwnerOfAsync(slot));
        Assert.Empty(load.Contradictions);
        Faults.AssertAllFailedFast(load, e => e is RedisServerException { Kind: RedisErrorKind.TryAgain } || Faults.ConnectionLost(e));
        // Each scan ran once: every entry counted once at its venue, one stream entry each.
        foreach (var venue in venues)
            Assert.Equal(load.Answered.Values.Count(r => r.VenueId == venue && r.Allowed), await _hot.GetOccupancyAsync(venue, CancellationToken.None));
        // These attempts carry no deadline (RunBy 0; the server's scans do, see RedisOutageTests): a call that timed out,
        // or whose connection closed after it was written, may still have run, so the stream may hold up to one entry
        // per such call beyond the answers, never fewer.
        var mayHaveRun = load.Failures.Count(f => StoreFailures.MayHaveTakenEffect(f.Error));
        // Only this test's venues: the other test's scans are at random venues, and one in this shard would count too.
        var entries = (await _redis.GetDatabase().StreamRangeAsync(RedisKeys.ScanStream(shard))).Count(e => venues.Contains(ScanStreamFields.Parse(e.Values).VenueId));
        Assert.True(entries >= load.Answered.Count && entries <= load.Answered.Count + mayHaveRun,
            $"{entries} entries for {load.Answered.Count} answers and {mayHaveRun} calls that may have run; failures: "
            + string.Join(", ", load.Failures.GroupBy(f => f.Error.GetType().Name).Select(g => $"{g.Key} ×{g.Count()}")));
    }

    [Fact]
    public async Task ACitizenWhoseHashMovedMidMigrationIsReadThroughAsk()
    {
        // The hot copy (red, version 2) is newer than the pass (green, version 1): only a read of the hash can make it red.
        var citizen = Passes.NewCitizen(StatusColour.Red, 2);
        await _hot.PutCitizenAsync(citizen, CancellationToken.None);
        var key = RedisKeys.Citizen(citizen.Id);
        var slot = HashSlot.Of(key);
        var source = await cluster.OwnerOfAsync(slot);
        var target = cluster.Nodes.First(n => n != source);
        ScanAttempt Scan() => Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen, StatusColour.Green, 1), policy: VenuePolicy.Default);

        await RedisClusterFixture.BeginMigrationAsync(slot, source, target);
        await RedisClusterFixture.MigrateKeyAsync(key, source, target);
        var duringMigration = await _hot.ScanAsync(Scan(), CancellationToken.None);
        await MigrateSlotKeysAsync(slot, source, target);
        await cluster.FinishMigrationAsync(slot, target);
        var afterMigration = await _hot.ScanAsync(Scan(), CancellationToken.None);

        Assert.Equal((false, StatusColour.Red), (duringMigration!.Record.Allowed, duringMigration.Record.Colour));
        Assert.Equal((false, StatusColour.Red), (afterMigration!.Record.Allowed, afterMigration.Record.Colour));
        Assert.Equal("1", await target.CliAsync("EXISTS", key));
    }
}

/// <summary>A primary, its replica and one sentinel (quorum 1), owned by the test since it fails them over.</summary>
public sealed class SentinelFailoverTests : IAsyncLifetime
{
    private const string ServiceName = SentinelSet.ServiceName;
    private SentinelSet _set = null!;
    private RedisServer _primary = null!;
    private RedisServer _replica = null!;
    private RedisServer _sentinel = null!;

    public async Task InitializeAsync()
    {
        _set = await SentinelSet.StartAsync($"""
            sentinel down-after-milliseconds {ServiceName} 1000
            sentinel failover-timeout {ServiceName} 10000
            sentinel parallel-syncs {ServiceName} 1
            """);
        (_primary, _replica, _sentinel) = (_set.Primary, _set.Replica, _set.Sentinel);
        await Eventually.TrueAsync(async () => (await _sentinel.CliAsync("SENTINEL", "REPLICAS", ServiceName)).Contains(_replica.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "sentinel knows the replica");
    }

    public async Task DisposeAsync() => await _set.DisposeAsync();

    private static int? PrimaryPort(ConnectionMultiplexer redis) =>
        redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).Select(s => (int?)((System.Net.IPEndPoint)s.EndPoint).Port).FirstOrDefault();

    [Fact]
    public async Task ScansFollowAFailoverAndFailFastDuringIt()
    {
        await using var redis = await RedisConnection.ConnectAsync($"{_sentinel.EndPoint},serviceName={ServiceName}");
        Assert.Equal(_primary.Port, PrimaryPort(redis));
        var hot = new RedisHotState(redis);
        var load = new ScanLoad(hot, 12, Guid.NewGuid(), Guid.NewGuid());
        await load.WaitForAnswersAsync(200, TimeSpan.FromSeconds(30), "scans flow to the first primary");

        // The sentinel may need a moment to judge the replica fit for promotion (else it answers NOGOODSLAVE).
        await Eventually.TrueAsync(async () => await _sentinel.CliAsync("SENTINEL", "FAILOVER", ServiceName) == "OK",
            TimeSpan.FromSeconds(30), "sentinel accepts the failover");
        await Eventually.TrueAsync(() => Task.FromResult(PrimaryPort(redis) == _replica.Port), TimeSpan.FromSeconds(60), "the connection moved to the promoted replica");
        // Scans retried during the switch no longer get answers from the demoted primary (a retry that meets its first
        // answer marks it, a write): they wait for the client to re-read the roles, which took over 30 s once in CI with
        // every suite running at once on two cores, and a few seconds alone.
        await load.WaitForAnswersAsync(200, TimeSpan.FromSeconds(90), "scans flow to the new primary");
        await load.StopAsync();

        Assert.Contains("role:master", await _replica.CliAsync("INFO", "replication"), StringComparison.Ordinal);
        Assert.Empty(load.Contradictions);
        // Calls caught in the switch fail fast: a lost connection or the demoted primary's READONLY, never a 5 s wait.
        Faults.AssertAllFailedFast(load, e => Faults.ConnectionLost(e) || e is RedisServerException { Kind: RedisErrorKind.ReadOnly });
    }
}

/// <summary>A primary gone and no sentinel to promote the replica: the state the middle of a failover leaves for seconds.</summary>
public sealed class PrimaryGoneTests : IAsyncLifetime
{
    private const string ServiceName = SentinelSet.ServiceName;
    private SentinelSet _set = null!;
    private RedisServer _primary = null!;
    private RedisServer _replica = null!;
    private RedisServer _sentinel = null!;

    public async Task InitializeAsync()
    {
        _set = await SentinelSet.StartAsync();
        (_primary, _replica, _sentinel) = (_set.Primary, _set.Replica, _set.Sentinel);
    }

    public async Task DisposeAsync() => await _set.DisposeAsync();

    [Fact]
    public async Task AWithdrawalIsNeverAnsweredByAReplica()
    {
        await using var redis = await RedisConnection.ConnectAsync($"{_sentinel.EndPoint},serviceName={ServiceName}");
        var hot = new RedisHotState(redis);
        await Eventually.TrueAsync(() => Task.FromResult(redis.GetServers().Any(s => s.IsConnected && s.IsReplica)), TimeSpan.FromSeconds(30), "connected to the replica too");
        _sentinel.Kill();
        _primary.Kill();
        await Eventually.TrueAsync(() => Task.FromResult(!redis.GetServers().Any(s => s.IsConnected && !s.IsReplica)), TimeSpan.FromSeconds(30), "no primary connected");

        // A replica would run the script up to its first write: one that finds nothing to take back answers before
        // writing, so a replica that lags would say "nothing to take back" for a scan its primary had decided.
        var e = await Assert.ThrowsAnyAsync<Exception>(() => hot.WithdrawAsync(Passes.Attempt(Guid.NewGuid(), Passes.Foreign()), CancellationToken.None));
        Assert.Equal(Store.HotState, StoreFailures.Classify(e));
    }

    [Fact]
    public async Task TheWithdrawalScriptRefusesOnAReplicaBeforeItAnswers()
    {
        // What a client whose view of the roles is stale (the old primary back as a replica) would meet: READONLY, not "nothing to take back".
        var venue = new RedisKeys.Venue(Guid.NewGuid());
        string[] keys = [venue.Dedupe(Guid.NewGuid(), Guid.NewGuid()), venue.Occupancy, venue.Presence, venue.ReplayMark(Core.Tokens.TokenId.NewRandom()), venue.Stream, venue.WriteCheck];
        var answer = await _replica.CliAsync(["EVAL", WithdrawScript.Script.Lua, keys.Length.ToString(CultureInfo.InvariantCulture), .. keys, "1", "0"]);
        Assert.Contains("READONLY", answer, StringComparison.Ordinal);
    }
}

/// <summary>A redis-server that speaks only TLS on its tls-port, with a self-signed certificate made by openssl.</summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private readonly int _tlsPort = LoopbackPorts.Free();
    private SelfSignedCertificate _certificate = null!;
    private RedisServer _server = null!;

    public async Task InitializeAsync()
    {
        _certificate = await SelfSignedCertificate.CreateAsync();
        _server = await RedisServer.StartAsync(
            "--tls-port", _tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", _certificate.CertificateFile,
            "--tls-key-file", _certificate.KeyFile, "--tls-ca-cert-file", _certificate.CertificateFile, "--tls-auth-clients", "no");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
    }

    private string TlsString => $"127.0.0.1:{_tlsPort.ToString(CultureInfo.InvariantCulture)},ssl=true,sslHost=localhost,{RedisServer.RelaxedTimeout}";

    private static async Task AssertScansWorkAsync(ConnectionMultiplexer redis)
    {
        Assert.True(redis.IsConnected);
        var hot = new RedisHotState(redis);
        var citizen = Passes.NewCitizen();
        await hot.PutCitizenAsync(citizen, CancellationToken.None);
        var outcome = await hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen)), CancellationToken.None);
        Assert.True(outcome!.Record.Allowed);
    }

    [Fact]
    public async Task ScansRunOverTlsWithTheCertificatePinnedByItsFingerprint()
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisConnectionOptions
        {
            ConnectionString = TlsString,
            TlsCertificateThumbprint = _certificate.Sha256Fingerprint,
        });

        await AssertScansWorkAsync(redis);
        Assert.Equal(_tlsPort, ((System.Net.IPEndPoint)redis.GetServers().Single().EndPoint).Port);
    }

    [Fact]
    public async Task ScansRunOverTlsWithThePrivateCaFile()
    {
        await using var redis = await RedisConnection.ConnectAsync(new RedisConnectionOptions
        {
            ConnectionString = TlsString,
            TlsCaCertificateFile = _certificate.CertificateFile,
        });

        await AssertScansWorkAsync(redis);
    }

    [Fact]
    public async Task AnotherCertificateIsRefusedAndScansFailFast()
    {
        using var other = await SelfSignedCertificate.CreateAsync();
        await using var redis = await RedisConnection.ConnectAsync(new RedisConnectionOptions
        {
            ConnectionString = TlsString + ",connectTimeout=2000",
            TlsCertificateThumbprint = other.Sha256Fingerprint,
        });

        Assert.False(redis.IsConnected);
        await Assert.ThrowsAsync<RedisConnectionException>(() => new RedisHotState(redis).GetOccupancyAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task WithoutAPinOrCaTheSelfSignedCertificateIsRefused()
    {
        await using var redis = await RedisConnection.ConnectAsync(TlsString + ",connectTimeout=2000");

        Assert.False(redis.IsConnected);
    }
}

/// <summary>The server connecting as an ACL user, with the default user switched off.</summary>
public sealed class RedisAclTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        // What the city's account may touch: its own keys and channels, no admin or dangerous commands.
        Assert.Equal("OK", await _server.CliAsync("ACL", "SETUSER", "citypass", "on", ">gate-secret-1", "~cp:*", "&cp:*", "+@all", "-@dangerous"));
        Assert.Equal("OK", await _server.CliAsync("ACL", "SETUSER", "default", "off"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ScansAndCodesWorkAsAnAclUserWithTheDefaultUserOff()
    {
        await using var redis = await RedisConnection.ConnectAsync($"{_server.ConnectionString},user=citypass,password=gate-secret-1");
        var hot = new RedisHotState(redis);
        var citizen = Passes.NewCitizen();

        await hot.PutCitizenAsync(citizen, CancellationToken.None);
        var outcome = await hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen)), CancellationToken.None);
        var stored = await hot.TryStoreOtpAsync("+8613800000000", new byte[32], TimeSpan.FromMinutes(5), 5, CancellationToken.None);

        Assert.True(outcome!.Record.Allowed);
        Assert.True(stored);
        Assert.Equal(citizen, await hot.GetCitizenAsync(citizen.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AWrongPasswordOrTheDefaultUserDoesNotConnect()
    {
        await using var wrong = await RedisConnection.ConnectAsync($"{_server.ConnectionString},user=citypass,password=nope,connectTimeout=2000");
        await using var anonymous = await RedisConnection.ConnectAsync($"{_server.ConnectionString},connectTimeout=2000");

        Assert.False(wrong.IsConnected);
        Assert.False(anonymous.IsConnected);
        await Assert.ThrowsAsync<RedisConnectionException>(() => new RedisHotState(wrong).GetOccupancyAsync(Guid.NewGuid(), CancellationToken.None));
    }
}
