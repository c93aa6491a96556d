using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>Each test gets its own redis-server: the streams and the lease are the server's, and one test kills its server.</summary>
public sealed class ScanArchiverTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private RedisServer _server = null!;
    private ConnectionMultiplexer _client = null!;
    private IDatabase _db = null!;
    private RedisHotState _hot = null!;
    private readonly RecordingScanStore _store = new();
    private readonly List<ScanArchiver> _archivers = [];

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _client = await RedisConnection.ConnectAsync(_server.ConnectionString);
        _db = _client.GetDatabase();
        _hot = new RedisHotState(_client);
    }

    public async Task DisposeAsync()
    {
        foreach (var archiver in _archivers) await archiver.StopAsync(None);
        foreach (var archiver in _archivers) archiver.Dispose();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<ScanArchiver> StartArchiverAsync(ScanArchiverOptions? options = null, IScanStore? store = null)
    {
        var archiver = new ScanArchiver(() => _client, store ?? _store, NullLogger<ScanArchiver>.Instance, options ?? Quick);
        _archivers.Add(archiver);
        await archiver.StartAsync(None);
        return archiver;
    }

    private static readonly ScanArchiverOptions Quick = new()
    {
        IdlePoll = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(300), LeaseEvery = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>The shards whose lease <paramref name="archiver"/> holds, as Redis has it.</summary>
    private async Task<HashSet<int>> ShardsOfAsync(ScanArchiver archiver)
    {
        var held = new HashSet<int>();
        for (var shard = 0; shard < RedisKeys.Shards; shard++)
        {
            if (await _db.StringGetAsync(ShardLeases.LeaseKey("scan-archive", shard)) == archiver.Leases.Holder) held.Add(shard);
        }
        return held;
    }

    /// <summary>Scans at many venues, so most of the 16 streams get entries.</summary>
    private async Task<List<ScanRecord>> ScanAsync(int count)
    {
        var venues = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToArray();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            _hot.ScanAsync(Passes.Attempt(venues[i % venues.Length], Passes.Foreign(), i % 3 == 0 ? Core.Venues.ScanDirection.Out : Core.Venues.ScanDirection.In), None)));
        return [.. outcomes.Select(o => o!.Record)];
    }

    private async Task<long> StreamLengthAsync()
    {
        long length = 0;
        foreach (var stream in RedisKeys.AllScanStreams) length += await _db.StreamLengthAsync(stream);
        return length;
    }

    private async Task AssertArchivedExactlyAsync(List<ScanRecord> scans)
    {
        await Eventually.TrueAsync(async () => await _store.CountAsync(null, None) >= scans.Count, Patience, $"{scans.Count} scans archived");
        Assert.Equal(scans.Count, await _store.CountAsync(null, None));
        foreach (var scan in scans) Assert.Equal(scan, await _store.GetAsync(scan.GateId, scan.ScanId, DateTimeOffset.MinValue, None));
    }

    [Fact]
    public async Task EveryScanIsArchivedOnceAndTheStreamsAreTrimmedBehindIt()
    {
        var scans = await ScanAsync(300);
        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "streams trimmed");
        Assert.Equal(scans.Count, _store.Inserted.Count);
    }

    [Fact]
    public async Task WhatEveryStreamHoldsGoesToTheStoreInOneInsert()
    {
        var scans = await ScanAsync(300);
        var shards = scans.Select(s => RedisKeys.ShardOf(s.VenueId)).Distinct().Count();
        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        Assert.True(shards > 1, "the scans cover several streams");
        Assert.Equal([scans.Count], _store.InsertSizes);
    }

    [Fact]
    public async Task ABacklogIsDrainedWithoutWaitingAndAnArchiverKeepingUpWaitsForItsNextRound()
    {
        var backlog = await ScanAsync(300);
        var perStream = backlog.GroupBy(s => RedisKeys.ShardOf(s.VenueId)).Select(g => g.Count()).ToList();
        // A batch one short of the fullest stream: the first round fills it (a backlog), the second takes the last entry
        // of each fullest stream and fills none.
        var batch = perStream.Max() - 1;
        var fullest = perStream.Count(n => n == perStream.Max());
        await StartArchiverAsync(new ScanArchiverOptions { BatchSize = batch, RoundInterval = TimeSpan.FromHours(1), IdlePoll = TimeSpan.FromMilliseconds(20), LeaseTtl = TimeSpan.FromHours(3) });

        await AssertArchivedExactlyAsync(backlog);
        Assert.Equal([backlog.Count - fullest, fullest], _store.InsertSizes);

        // That second round filled no batch: the archiver is keeping up, so the next scan waits for the round an hour on.
        await ScanAsync(1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(backlog.Count, await _store.CountAsync(null, None));
        Assert.Equal([backlog.Count - fullest, fullest], _store.InsertSizes);
    }

    [Fact]
    public async Task AnEntryNoVersionCanReadIsParkedAndTheOthersAreArchived()
    {
        var scans = await ScanAsync(50);
        var stream = RedisKeys.ScanStream(RedisKeys.ShardOf(scans[0].VenueId));
        await _db.StreamAddAsync(stream, [new NameValueEntry("what", "not a scan")]);
        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        var dead = RedisKeys.DeadScans(RedisKeys.ShardOf(scans[0].VenueId));
        await Eventually.TrueAsync(async () => await _db.StreamLengthAsync(dead) == 1 && await StreamLengthAsync() == 0, Patience, "the entry parked, the streams trimmed");
        Assert.Equal("not a scan", (string?)(await _db.StreamRangeAsync(dead)).Single()["what"]);
    }

    [Fact]
    public async Task AParkedEntryThisVersionCanReadIsArchivedAndLeavesTheDeadLetters()
    {
        // As a pod of the version before parks an entry of this one during a release: the same fields, in the dead-letter stream.
        var scan = (await ScanAsync(1)).Single();
        var shard = RedisKeys.ShardOf(scan.VenueId);
        var entry = (await _db.StreamRangeAsync(RedisKeys.ScanStream(shard))).Single();
        await _db.KeyDeleteAsync(RedisKeys.ScanStream(shard));
        var dead = RedisKeys.DeadScans(shard);
        await _db.StreamAddAsync(dead, entry.Values);
        await _db.StreamAddAsync(dead, [new NameValueEntry("what", "not a scan")]);

        await StartArchiverAsync(new ScanArchiverOptions { IdlePoll = TimeSpan.FromMilliseconds(20), RetryParkedEvery = TimeSpan.FromMilliseconds(50) });

        await AssertArchivedExactlyAsync([scan]);
        await Eventually.TrueAsync(async () => await _db.StreamLengthAsync(dead) == 1, Patience, "the readable entry left the dead letters");
        Assert.Equal("not a scan", (string?)(await _db.StreamRangeAsync(dead)).Single()["what"]);
    }

    [Fact]
    public async Task AConsumerGroupOfTheVersionBeforeDoesNotHoldTheArchiveBack()
    {
        // During a release, pods of the version before read the streams through their consumer group: one has read
        // everything and not yet acknowledged it. This version neither needs the group nor waits for it.
        var scans = await ScanAsync(200);
        foreach (var stream in RedisKeys.AllScanStreams)
        {
            await _db.StreamCreateConsumerGroupAsync(stream, "archiver", StreamPosition.Beginning, createStream: true);
            await _db.StreamReadGroupAsync(stream, "archiver", "pod-of-the-version-before", StreamPosition.NewMessages, 1000);
        }

        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "the streams trimmed");
    }

    [Fact]
    public async Task ScansOfTwoGatesWithTheSameScanIdAreBothArchived()
    {
        var venue = Guid.NewGuid();
        var scanId = Guid.NewGuid();
        // Same venue, same id, same instant: only the gate tells the two records apart.
        var atA = await _hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign(), scanId: scanId), None);
        var atB = await _hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign(), scanId: scanId), None);
        await StartArchiverAsync();

        await AssertArchivedExactlyAsync([atA!.Record, atB!.Record]);
    }

    [Fact]
    public async Task ScansMadeWhileTheArchiverRunsAreArchivedToo()
    {
        await StartArchiverAsync();
        var first = await ScanAsync(50);
        await AssertArchivedExactlyAsync(first);

        var second = await ScanAsync(50);

        await AssertArchivedExactlyAsync([.. first, .. second]);
    }

    [Fact]
    public async Task TheShardsOfAReplicaThatStopsRenewingAreArchivedOnceTheirLeasesLapse()
    {
        // A replica killed while it held every shard: nobody archives until its leases lapse, then this one does.
        for (var shard = 0; shard < RedisKeys.Shards; shard++)
        {
            await _db.StringSetAsync(ShardLeases.LeaseKey("scan-archive", shard), "killed-pod", TimeSpan.FromSeconds(5));
        }
        var scans = await ScanAsync(100);

        await StartArchiverAsync();

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var archivedMeanwhile = await _store.CountAsync(null, None);
        // Read after the count: still the killed pod's, so they were throughout, and this archiver had to wait.
        for (var shard = 0; shard < RedisKeys.Shards; shard++)
        {
            Assert.Equal("killed-pod", await _db.StringGetAsync(ShardLeases.LeaseKey("scan-archive", shard)));
        }
        Assert.Equal(0, archivedMeanwhile);
        await AssertArchivedExactlyAsync(scans);
    }

    [Fact]
    public async Task TwoReplicasShareTheStreamsOutAndEachArchivesOnlyItsOwn()
    {
        var firstStore = new RecordingScanStore();
        var first = await StartArchiverAsync(store: firstStore);
        await Eventually.TrueAsync(async () => (await ShardsOfAsync(first)).Count == RedisKeys.Shards, Patience, "one archiver holds every stream");
        var secondStore = new RecordingScanStore();
        var second = await StartArchiverAsync(store: secondStore);
        await Eventually.TrueAsync(async () => (await ShardsOfAsync(first)).Count == 8 && (await ShardsOfAsync(second)).Count == 8, Patience, "the second took half");
        var (firstShards, secondShards) = (await ShardsOfAsync(first), await ShardsOfAsync(second));

        var scans = await ScanAsync(300);

        await Eventually.TrueAsync(async () => await firstStore.CountAsync(null, None) + await secondStore.CountAsync(null, None) >= scans.Count, Patience, "every scan archived");
        Assert.Equal(scans.Where(s => firstShards.Contains(RedisKeys.ShardOf(s.VenueId))).Select(s => (s.GateId, s.ScanId)).Order(), firstStore.Inserted.Order());
        Assert.Equal(scans.Where(s => secondShards.Contains(RedisKeys.ShardOf(s.VenueId))).Select(s => (s.GateId, s.ScanId)).Order(), secondStore.Inserted.Order());
    }

    [Fact]
    public async Task AReplicaThatStopsLeavesItsStreamsToTheOtherAtOnce()
    {
        // Leases of a minute: only giving them up on the way out lets the other replica take over within the test's patience.
        var options = Quick with { LeaseTtl = TimeSpan.FromMinutes(1) };
        var first = await StartArchiverAsync(options);
        await Eventually.TrueAsync(async () => (await ShardsOfAsync(first)).Count == RedisKeys.Shards, Patience, "one archiver holds every stream");
        var second = await StartArchiverAsync(options);
        await Eventually.TrueAsync(async () => (await ShardsOfAsync(second)).Count == 8, Patience, "the second took half");
        var before = await ScanAsync(50);
        await AssertArchivedExactlyAsync(before);

        await first.StopAsync(None);

        await Eventually.TrueAsync(async () => (await ShardsOfAsync(second)).Count == RedisKeys.Shards, Patience, "the second holds every stream");
        var after = await ScanAsync(50);
        await AssertArchivedExactlyAsync([.. before, .. after]);
    }

    [Fact]
    public async Task TwoArchiversAtOnceLoseNothingAndTheArchiveKeepsEachScanOnce()
    {
        // As during a handover, when the old holder has not yet noticed that its lease lapsed: two leases, so both archive
        // all along, in small batches, so that their reads and trims interleave while scans keep coming.
        var small = Quick with { BatchSize = 7, RoundInterval = TimeSpan.FromMilliseconds(10) };
        await StartArchiverAsync(small with { LeaseName = "scan-archive-a" });
        await StartArchiverAsync(small with { LeaseName = "scan-archive-b" });

        var scans = new List<ScanRecord>();
        for (var wave = 0; wave < 5; wave++) scans.AddRange(await ScanAsync(120));

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "the streams trimmed");
    }

    [Fact]
    public async Task ACrashBetweenInsertAndTrimReadsTheEntriesAgainAndTheDuplicateIsIgnored()
    {
        var scans = await ScanAsync(100);
        _store.FailAfterInserting(3);

        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "the streams trimmed");
        Assert.True(_store.Inserted.Count > scans.Count, "the batches whose trim never came were read and inserted again");
        // The roll-ups count each scan once, though its batch was archived twice.
        var minutes = await _store.Minutes.MinutesAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, None);
        Assert.Equal(scans.Count, minutes.Sum(m => m.Scans));
        Assert.Equal(scans.GroupBy(s => (ScanMinute.Of(s.DecidedAt), s.Code, s.Direction)).Select(g => (g.Key.Item1, g.Key.Code, g.Key.Direction, (long)g.Count())).Order(),
            minutes.Select(m => (m.Minute, m.Code, m.Direction, m.Scans)).Order());
    }

    [Fact]
    public async Task StoreOutagesAreRetriedWithoutLosingAnEntry()
    {
        var scans = await ScanAsync(100);
        _store.FailBeforeInserting(5);

        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "the streams trimmed");
    }

    [Fact]
    public async Task TheArchiverCarriesOnAfterARedisRestart()
    {
        await StartArchiverAsync();
        var before = await ScanAsync(40);
        await AssertArchivedExactlyAsync(before);

        _server.Kill();
        await _server.StartAgainAsync();
        // The restarted server is empty: no stream, no lease. The multiplexer reconnects by itself.
        // Each scan is retried with its own scan id until answered, as a gate does: one that ran
        // while another failed is then answered (as a duplicate) and counted once.
        var venues = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToArray();
        var after = new List<ScanRecord>();
        for (var i = 0; i < 40; i++)
        {
            var attempt = Passes.Attempt(venues[i % venues.Length], Passes.Foreign());
            ScanRecord? answered = null;
            await Eventually.TrueAsync(async () => (answered = (await _hot.ScanAsync(attempt, None))?.Record) is not null, Patience, "the scan is answered after the restart");
            after.Add(answered!);
        }

        await AssertArchivedExactlyAsync([.. before, .. after]);
    }

}
