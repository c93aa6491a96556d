using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>The contract against a real redis-server (one script per scan), and what only Redis has: the scan streams.</summary>
public sealed class RedisHotStateTests(RedisServerFixture redis) : HotStateContract, IClassFixture<RedisServerFixture>
{
    private ConnectionMultiplexer _client = null!;
    private IDatabase _db = null!;

    protected override async Task<IHotState> CreateAsync()
    {
        _client = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        _db = _client.GetDatabase();
        return new RedisHotState(_client);
    }

    // Redis expires keys by its own clock: wait (bounded) until the code's key is gone.
    protected override Task LetOtpExpireAsync(string phone) =>
        Eventually.TrueAsync(async () => !await _db.KeyExistsAsync(RedisKeys.Otp(phone)), TimeSpan.FromSeconds(5), "the code's key expires");

    // Redis counts the hour by the key's TTL: check it is the hour, then run it short and wait for the key to go.
    protected override async Task LetGuessHourEndAsync(string phone)
    {
        var key = RedisKeys.OtpWrongGuesses(phone);
        Assert.InRange((await _db.KeyTimeToLiveAsync(key))!.Value.TotalMilliseconds, 3_500_000, 3_600_000);
        await _db.KeyExpireAsync(key, TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(async () => !await _db.KeyExistsAsync(key), TimeSpan.FromSeconds(5), "the guess count's key expires");
    }

    public override async Task DisposeAsync() => await _client.DisposeAsync();

    private async Task<Dictionary<Guid, (string Id, NameValueEntry[] Fields)>> ReadStreamAsync(Guid venueId)
    {
        var entries = new Dictionary<Guid, (string, NameValueEntry[])>();
        // The shard's stream holds other venues' entries too.
        foreach (var entry in await _db.StreamRangeAsync(new RedisKeys.Venue(venueId).Stream))
        {
            var record = ScanStreamFields.Parse(entry.Values);
            if (record.VenueId == venueId) entries[record.ScanId] = (entry.Id!, entry.Values);
        }
        return entries;
    }

    [Fact]
    public async Task EveryScanIsAppendedToItsVenueShardsStreamAsOnePackedRecord()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen() with { MaskedName = "A|B*" };
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var attempts = new[]
        {
            Passes.Attempt(venue, Passes.Of(citizen), policy: VenuePolicy.Default),
            Passes.Attempt(venue, Passes.Foreign(Core.Citizens.StatusColour.Red), policy: VenuePolicy.Default),
            Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, VenuePolicy.Default),
            Passes.UploadedLate(Passes.Attempt(venue, Passes.Of(citizen), policy: VenuePolicy.Default)),
        };
        var records = new List<ScanRecord>();
        foreach (var a in attempts) records.Add((await Hot.ScanAsync(a, CancellationToken.None))!.Record);

        var stream = await ReadStreamAsync(venue);

        Assert.Equal(ScanStreamFields.Record, Assert.Single(stream[records[0].ScanId].Fields).Name);
        foreach (var record in records) Assert.Equal(record, ScanStreamFields.Parse(stream[record.ScanId].Fields));
        Assert.Equal([true, false, true, true], records.Select(r => r.Allowed));
        Assert.Equal([false, false, false, true], records.Select(r => r.LateUpload));
        Assert.Null(records[1].CitizenId);
        Assert.Equal("A|B*", records[0].DisplayName);
        Assert.Equal(Passes.Now, records[0].DecidedAt);
    }

    [Fact]
    public async Task APackedRecordWithAnyFieldButTheNameMalformedIsAFormatError()
    {
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var record = (await Hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen)), CancellationToken.None))!.Record;
        var packed = (string)(await ReadStreamAsync(record.VenueId))[record.ScanId].Fields.Single().Value!;
        var fields = packed.Split('|');
        Assert.Equal(14, fields.Length);

        // The archiver parks a FormatException's entry for a human; any other exception would retry it for ever.
        for (var i = 0; i < 13; i++)
        {
            var broken = string.Join('|', fields.Select((f, j) => j == i ? "zz" : f));
            Assert.Throws<FormatException>(() => ScanStreamFields.Parse([new NameValueEntry(ScanStreamFields.Record, broken)]));
        }
        Assert.Throws<FormatException>(() => ScanStreamFields.Parse([new NameValueEntry(ScanStreamFields.Record, string.Join('|', fields[..12]))]));
        Assert.Equal(record with { DisplayName = "zz" }, ScanStreamFields.Parse([new NameValueEntry(ScanStreamFields.Record, string.Join('|', fields[..13]) + "|zz")]));
    }

    /// <summary>An entry or a dedupe hash as the scan script wrote them before records were packed: one field per value.</summary>
    private static NameValueEntry[] LegacyFields(ScanRecord r, bool withLateUpload = true) =>
    [
        new(ScanStreamFields.ScanId, r.ScanId.ToString()), new(ScanStreamFields.GateId, r.GateId.ToString()),
        new(ScanStreamFields.VenueId, r.VenueId.ToString()), new(ScanStreamFields.Direction, ScanStreamFields.DirectionName(r.Direction)),
        new(ScanStreamFields.Allowed, r.Allowed ? "1" : "0"), new(ScanStreamFields.Code, r.Code.ToCode()),
        new(ScanStreamFields.Colour, r.Colour.ToWireName()), new(ScanStreamFields.Name, r.DisplayName),
        new(ScanStreamFields.CitizenId, r.CitizenId?.ToString() ?? ""), new(ScanStreamFields.Issuer, r.Issuer.ToString()),
        new(ScanStreamFields.TokenId, r.TokenId.ToString()),
        new(ScanStreamFields.ScannedAt, ScanStreamFields.ToUnixMs(r.ScannedAt)), new(ScanStreamFields.DecidedAt, ScanStreamFields.ToUnixMs(r.DecidedAt)),
        .. withLateUpload ? [new NameValueEntry(ScanStreamFields.LateUpload, r.LateUpload ? "1" : "0")] : Array.Empty<NameValueEntry>(),
    ];

    [Fact]
    public async Task AnEntryWrittenBeforeRecordsWerePackedIsStillRead()
    {
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var record = (await Hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen)), CancellationToken.None))!.Record;

        Assert.Equal(record, ScanStreamFields.Parse(LegacyFields(record)));
        // And one from before late uploads were flagged: a live scan.
        Assert.Equal(record, ScanStreamFields.Parse(LegacyFields(record, withLateUpload: false)));
        Assert.True(ScanStreamFields.Parse([.. LegacyFields(record), new(ScanStreamFields.Withdrawn, "1")]).Withdrawn);
    }

    [Fact]
    public async Task ADedupeAnswerKeepsOnlyWhatTheDecisionAddedAndARetryGetsTheFirstAnswerBack()
    {
        var citizen = Passes.NewCitizen() with { MaskedName = "A|B*" };
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var attempt = Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen), policy: Passes.OpenDoorWithAntiPassback);
        var first = (await Hot.ScanAsync(attempt, CancellationToken.None))!;
        var key = new RedisKeys.Venue(attempt.VenueId).Dedupe(attempt.GateId, attempt.ScanId);

        var answer = (string)(await _db.StringGetAsync(key))!;
        Assert.Equal($"0I|1|{ScanStreamFields.ToUnixMs(Passes.Now)}|0|1|allowed|green|A|B*", answer);
        Assert.InRange(key.Length, 75, 76); // cp:{s:k}:a: and the two ids, k of one or two digits
        var retry = (await Hot.ScanAsync(attempt with { Now = Passes.Now.AddSeconds(1) }, CancellationToken.None))!;
        Assert.Equal((true, first.Record, 1), (retry.Duplicate, retry.Record, retry.Occupancy));
        Assert.StartsWith("1I|", (string?)await _db.StringGetAsync(key), StringComparison.Ordinal);

        foreach (var broken in new[] { "0I", "0I|x|1|0|1|allowed|green|A", "0I|1|1|2|1|allowed|green|A", "0I|1|1|0|1|nope|green|A", "0I|1|1|0|1|allowed|blue|A", "0I|1|1|0|1|allowed|green" })
        {
            Assert.Throws<FormatException>(() => ScanStreamFields.ParseDedupeAnswer(broken, attempt));
        }
    }

    [Fact]
    public async Task WithoutAntiPassbackAnEntryAndAnExitWriteNoPresenceAndTheirAnswersMovedNobody()
    {
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var venue = new RedisKeys.Venue(Guid.NewGuid());
        var entry = Passes.Attempt(venue.Id, Passes.Of(citizen), policy: Passes.OpenDoor);
        var exit = Passes.Attempt(venue.Id, Passes.Of(citizen), ScanDirection.Out, Passes.OpenDoor);

        Assert.True((await Hot.ScanAsync(entry, CancellationToken.None))!.Record.Allowed);
        Assert.True((await Hot.ScanAsync(exit, CancellationToken.None))!.Record.Allowed);

        Assert.False(await _db.KeyExistsAsync(venue.Presence));
        Assert.StartsWith("0i|", (string?)await _db.StringGetAsync(venue.Dedupe(entry.GateId, entry.ScanId)), StringComparison.Ordinal);
        Assert.StartsWith("0o|", (string?)await _db.StringGetAsync(venue.Dedupe(exit.GateId, exit.ScanId)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWithdrawalIsAppendedAsTheRecordFlaggedWithdrawn()
    {
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);
        var attempt = Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen));
        var record = (await Hot.ScanAsync(attempt, CancellationToken.None))!.Record;

        Assert.True(await Hot.WithdrawAsync(attempt, CancellationToken.None));

        // The shard's stream holds other tests' venues too.
        var entries = (await _db.StreamRangeAsync(new RedisKeys.Venue(attempt.VenueId).Stream)).Select(e => ScanStreamFields.Parse(e.Values));
        Assert.Equal([record, record with { Withdrawn = true }], entries.Where(r => r.VenueId == attempt.VenueId));
    }

    [Fact]
    public async Task ARetriedScanIsNotAppendedAgain()
    {
        var venue = Guid.NewGuid();
        var attempt = Passes.Attempt(venue, Passes.Foreign());

        await Hot.ScanAsync(attempt, CancellationToken.None);
        await Hot.ScanAsync(attempt, CancellationToken.None);

        Assert.Single((await ReadStreamAsync(venue)).Keys, attempt.ScanId);
    }

    [Fact]
    public async Task AScanIsOneCommandOnTheWire()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisConnection.ConnectAsync(server.ConnectionString);
        var hot = new RedisHotState(client);
        var citizen = Passes.NewCitizen();
        await hot.PutCitizenAsync(citizen, CancellationToken.None);
        await hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen)), CancellationToken.None); // loads the script

        // MONITOR shows every command a client sends, and the script's own calls marked "lua".
        var start = new ProcessStartInfo("redis-cli", ["-p", server.Port.ToString(CultureInfo.InvariantCulture), "MONITOR"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var monitor = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        monitor.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue(line); };
        monitor.BeginOutputReadLine();
        await Eventually.TrueAsync(() => Task.FromResult(lines.Contains("OK")), TimeSpan.FromSeconds(5), "MONITOR is on");

        var outcome = await hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen), policy: VenuePolicy.Default with { Capacity = 10 }), CancellationToken.None);
        await client.GetDatabase().ExecuteAsync("ECHO", "end-of-scan");
        await Eventually.TrueAsync(() => Task.FromResult(lines.Any(l => l.Contains("end-of-scan", StringComparison.Ordinal))), TimeSpan.FromSeconds(5), "MONITOR saw the marker");
        monitor.Kill();

        var sent = lines.Where(l => l.Contains("[0 127.0.0.1:", StringComparison.Ordinal) && !l.Contains("end-of-scan", StringComparison.Ordinal)).ToList();
        Assert.True(outcome!.Record.Allowed);
        Assert.Contains("\"EVALSHA\"", Assert.Single(sent), StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("lua]", StringComparison.Ordinal) && l.Contains("\"XADD\"", StringComparison.Ordinal));
    }

    [Fact]
    public void AVenuesKeysShareOneSlotAndCitizensSpreadByTheirOwnTag()
    {
        for (var i = 0; i < 200; i++)
        {
            var venue = new RedisKeys.Venue(Guid.NewGuid());
            var token = Core.Tokens.TokenId.NewRandom();
            var slots = new[] { venue.Occupancy, venue.Presence, venue.Bookings, venue.ReplayMark(token), venue.Dedupe(Guid.NewGuid(), Guid.NewGuid()), venue.Stream }
                .Select(HashSlot.Of).Distinct();
            Assert.Equal(HashSlot.Of(RedisKeys.ScanStream(venue.Shard)), Assert.Single(slots));
            Assert.InRange(venue.Shard, 0, RedisKeys.Shards - 1);
        }
        var citizen = Passes.NewCitizen().Id;
        Assert.Equal(HashSlot.Of("c:" + citizen.ToString()), HashSlot.Of(RedisKeys.Citizen(citizen)));
        Assert.All(RedisKeys.AllScanStreams.Append(RedisKeys.Citizen(citizen)).Append(RedisKeys.Otp("+8613800000000")), k => Assert.StartsWith("cp:", k, StringComparison.Ordinal));
    }

    [Fact]
    public void TheShardOfAVenueIsStableAcrossProcesses() =>
        // Pinned: every replica, and every version of this code, must find a venue's keys in the same shard.
        Assert.Equal(
            [RedisKeys.ShardOf(Guid.Parse("00000000-0000-0000-0000-000000000000")), RedisKeys.ShardOf(Guid.Parse("7b0c7c1e-2f55-4b8e-9d3a-0c2f1d6f9a10"))],
            [ExpectedShard(new byte[16]), ExpectedShard(Guid.Parse("7b0c7c1e-2f55-4b8e-9d3a-0c2f1d6f9a10").ToByteArray(bigEndian: true))]);

    // FNV-1a 32 written out independently of the implementation.
    private static int ExpectedShard(byte[] bytes)
    {
        uint hash = 0x811C9DC5;
        foreach (var b in bytes) hash = unchecked((hash ^ b) * 0x01000193);
        return (int)(hash % 16);
    }

    [Fact]
    public async Task APassFromTheFutureOfTheHotCopyIsJudgedByItself()
    {
        // A missed push: the hot copy says red v1, the pass was minted green at v2.
        var citizen = Passes.NewCitizen(Core.Citizens.StatusColour.Red, 1);
        await Hot.PutCitizenAsync(citizen, CancellationToken.None);

        var outcome = await Hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(citizen, Core.Citizens.StatusColour.Green, 2), policy: VenuePolicy.Default), CancellationToken.None);

        Assert.True(outcome!.Record.Allowed);
        Assert.Equal(Core.Citizens.StatusColour.Green, outcome.Record.Colour);
        Assert.Equal("1", (string?)await _db.HashGetAsync(RedisKeys.Citizen(citizen.Id), "version"));
    }
}
