using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>Each test gets its own redis-server: the archiver's consumer group is per stream, and one test kills its server.</summary>
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

    private async Task<ScanArchiver> StartArchiverAsync(ScanArchiverOptions? options = null)
    {
        var archiver = new ScanArchiver(() => _client, _store, NullLogger<ScanArchiver>.Instance,
            options ?? new ScanArchiverOptions { IdlePoll = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(300) });
        _archivers.Add(archiver);
        await archiver.StartAsync(None);
        return archiver;
    }

    /// <summary>Scans at many venues, so most of the 16 streams get entries.</summary>
    private async Task<List<ScanRecord>> ScanAsync(int count)
    {
        var venues = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToArray();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            _hot.ScanAsync(Passes.Attempt(venues[i % venues.Length], Passes.Foreign(), i % 3 == 0 ? Core.Venues.ScanDirection.Out : Core.Venues.ScanDirection.In), None)));
        return [.. outcomes.Select(o => o!.Record)];
    }

    private async Task<long> PendingAsync()
    {
        long pending = 0;
        foreach (var stream in RedisKeys.AllScanStreams)
        {
            if (!await _db.KeyExistsAsync(stream)) continue;
            pending += (await _db.StreamPendingAsync(stream, ScanArchiver.Group)).PendingMessageCount;
        }
        return pending;
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
        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0 && await PendingAsync() == 0, Patience, "streams trimmed, nothing pending");
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
        await StartArchiverAsync(new ScanArchiverOptions { BatchSize = batch, RoundInterval = TimeSpan.FromHours(1), IdlePoll = TimeSpan.FromMilliseconds(20) });

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
        await Eventually.TrueAsync(async () => await _db.StreamLengthAsync(dead) == 1 && await PendingAsync() == 0, Patience, "the entry parked, nothing pending");
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
    public async Task EntriesAcknowledgedBeforeARestartAreTrimmedWithoutWaitingForANewScan()
    {
        var scans = await ScanAsync(200);
        // An earlier life of the archiver archived and acknowledged everything, then stopped before trimming.
        foreach (var stream in RedisKeys.AllScanStreams)
        {
            await _db.StreamCreateConsumerGroupAsync(stream, ScanArchiver.Group, StreamPosition.Beginning, createStream: true);
            var read = await _db.StreamReadGroupAsync(stream, ScanArchiver.Group, "earlier-life", StreamPosition.NewMessages, 1000);
            if (read.Length > 0) await _db.StreamAcknowledgeAsync(stream, ScanArchiver.Group, [.. read.Select(e => e.Id)]);
        }
        // One more scan the earlier life never read: it must survive the trim and be archived.
        var unread = (await _hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Foreign()), None))!.Record;
        Assert.Equal((scans.Count + 1L, 0L), (await StreamLengthAsync(), await PendingAsync()));

        await StartArchiverAsync();

        await Eventually.TrueAsync(async () => await StreamLengthAsync() == 0, Patience, "the acknowledged entries are trimmed");
        await AssertArchivedExactlyAsync([unread]);
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
    public async Task EntriesADeadConsumerReadButNeverAcknowledgedAreClaimedAndArchived()
    {
        var scans = await ScanAsync(200);
        // A consumer that read everything and died before acknowledging.
        foreach (var stream in RedisKeys.AllScanStreams)
        {
            await _db.StreamCreateConsumerGroupAsync(stream, ScanArchiver.Group, StreamPosition.Beginning, createStream: true);
            await _db.StreamReadGroupAsync(stream, ScanArchiver.Group, "crashed", StreamPosition.NewMessages, 1000);
        }
        Assert.Equal(200, await PendingAsync());

        await StartArchiverAsync(new ScanArchiverOptions
        {
            IdlePoll = TimeSpan.FromMilliseconds(20), ClaimIdle = TimeSpan.FromMilliseconds(300), ClaimEvery = TimeSpan.FromMilliseconds(50),
        });

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await PendingAsync() == 0 && await StreamLengthAsync() == 0, Patience, "claimed entries acknowledged and trimmed");
    }

    [Fact]
    public async Task ACrashBetweenInsertAndAcknowledgeRedeliversAndTheDuplicateIsIgnored()
    {
        var scans = await ScanAsync(100);
        _store.FailAfterInserting(3);

        await StartArchiverAsync();

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await PendingAsync() == 0, Patience, "everything acknowledged");
        Assert.True(_store.Inserted.Count > scans.Count, "the batches whose acknowledgement was lost were delivered again");
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
        await Eventually.TrueAsync(async () => await PendingAsync() == 0, Patience, "everything acknowledged");
    }

    [Fact]
    public async Task TheArchiverCarriesOnAfterARedisRestart()
    {
        await StartArchiverAsync();
        var before = await ScanAsync(40);
        await AssertArchivedExactlyAsync(before);

        _server.Kill();
        await _server.StartAgainAsync();
        // The restarted server is empty: no stream, no group. The multiplexer reconnects by itself.
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

    [Fact]
    public async Task ConsumersLongIdleWithNothingPendingAreRemovedFromTheGroup()
    {
        var stream = RedisKeys.ScanStream(0);
        await _db.StreamCreateConsumerGroupAsync(stream, ScanArchiver.Group, StreamPosition.Beginning, createStream: true);
        await _db.ExecuteAsync("XGROUP", "CREATECONSUMER", stream, ScanArchiver.Group, "gone-pod");

        var archiver = await StartArchiverAsync(new ScanArchiverOptions { IdlePoll = TimeSpan.FromMilliseconds(20), ForgetConsumersIdle = TimeSpan.FromMilliseconds(200) });

        async Task<string> ConsumersAsync() => string.Join(",", (await _db.StreamConsumerInfoAsync(stream, ScanArchiver.Group)).Select(c => c.Name));
        await Eventually.TrueAsync(async () => !(await ConsumersAsync()).Contains("gone-pod", StringComparison.Ordinal), Patience, "the idle consumer is removed");
        var scans = await ScanAsync(20);
        await AssertArchivedExactlyAsync(scans);
        Assert.Contains(archiver.Consumer, await ConsumersAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoArchiversShareTheWorkWithoutDuplicatesInTheArchive()
    {
        await StartArchiverAsync();
        await StartArchiverAsync();

        var scans = await ScanAsync(300);

        await AssertArchivedExactlyAsync(scans);
        await Eventually.TrueAsync(async () => await PendingAsync() == 0, Patience, "everything acknowledged");
    }
}
