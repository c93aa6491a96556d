using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Postgres;
using CityPass.Server.Venues;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IScanStore"/> must do, run against each implementation.</summary>
public abstract class ScanStoreContract : StoreContract
{
    private IScanStore Scans => Stores.Scans;

    /// <summary>The documented order: DecidedAt, then ScanId, then GateId, ids in uuid (RFC byte) order, all descending.</summary>
    protected static List<ScanRecord> NewestFirst(IEnumerable<ScanRecord> records) =>
        records.Order(Comparer<ScanRecord>.Create((a, b) =>
        {
            var byTime = b.DecidedAt.CompareTo(a.DecidedAt);
            if (byTime != 0) return byTime;
            var byScan = ScanCursor.CompareIds(b.ScanId, a.ScanId);
            return byScan != 0 ? byScan : ScanCursor.CompareIds(b.GateId, a.GateId);
        })).ToList();

    [Fact]
    public async Task InsertCountsOnlyNewRecordsSoRedeliveryIsHarmless()
    {
        var batch = Enumerable.Range(0, 3).Select(i => Scan(Now.AddSeconds(i))).ToList();

        Assert.Equal(3, await Scans.InsertAsync(batch, None));
        Assert.Equal(1, await Scans.InsertAsync([.. batch, Scan(Now.AddSeconds(9))], None));
        Assert.Equal(0, await Scans.InsertAsync(batch, None));
        Assert.Equal(4, await Scans.CountAsync(null, None));
    }

    [Fact]
    public async Task OneRecordTwiceInOneBatchIsStoredOnce()
    {
        var scan = Scan(Now);

        Assert.Equal(1, await Scans.InsertAsync([scan, scan], None));
        Assert.Equal(1, await Scans.CountAsync(null, None));
    }

    [Fact]
    public async Task AWithdrawnScanIsShownByNoReadWhetherItsWithdrawalCameAfterWithOrBeforeIt()
    {
        var venue = Guid.NewGuid();
        var kept = Scan(Now, venueId: venue);
        var withdrawnAfter = Scan(Now.AddSeconds(1), venueId: venue);
        var withdrawnWith = Scan(Now.AddSeconds(2), venueId: venue);
        var withdrawnBefore = Scan(Now.AddSeconds(3), venueId: venue);
        // Several archivers share the streams: a withdrawal may reach the archive before the record it takes back.
        await Scans.InsertAsync([kept, withdrawnAfter, withdrawnBefore with { Withdrawn = true }], None);
        await Scans.InsertAsync([withdrawnAfter with { Withdrawn = true }, withdrawnWith, withdrawnWith with { Withdrawn = true }], None);
        await Scans.InsertAsync([withdrawnBefore, withdrawnAfter], None);

        Assert.Equal([kept], await Scans.QueryAsync(new ScanQuery(VenueId: venue), None));
        Assert.Equal(1, await Scans.CountAsync(venue, None));
        foreach (var gone in new[] { withdrawnAfter, withdrawnWith, withdrawnBefore }) Assert.Null(await Scans.GetAsync(gone.GateId, gone.ScanId, DateTimeOffset.MinValue, None));
        Assert.Equal([kept.GateId], (await Scans.GateClocksAsync([kept.GateId, withdrawnAfter.GateId, withdrawnBefore.GateId], Now.AddDays(-1), None)).Select(c => c.GateId));
    }

    [Fact]
    public async Task TheSameScanIdFromAnotherGateIsAnotherRecordAndBothAreKept()
    {
        var venue = Guid.NewGuid();
        var scanId = Guid.NewGuid();
        var atA = Scan(Now, venueId: venue, scanId: scanId, citizenId: CitizenPseudonym.NewRandom());
        var atB = Scan(Now, venueId: venue, scanId: scanId, citizenId: CitizenPseudonym.NewRandom());
        var atOtherVenue = Scan(Now.AddSeconds(1), scanId: scanId);

        Assert.Equal(2, await Scans.InsertAsync([atA, atB], None));
        Assert.Equal(1, await Scans.InsertAsync([atOtherVenue, atA], None));
        Assert.Equal(0, await Scans.InsertAsync([atB, atA, atOtherVenue], None));

        Assert.Equal(3, await Scans.CountAsync(null, None));
        Assert.Equal(NewestFirst([atA, atB]), await Scans.QueryAsync(new ScanQuery(VenueId: venue), None));
        Assert.Equal([atA], await Scans.QueryAsync(new ScanQuery(CitizenId: atA.CitizenId), None));
        Assert.Equal([atB], await Scans.QueryAsync(new ScanQuery(CitizenId: atB.CitizenId), None));
        Assert.Equal(atA, await Scans.GetAsync(atA.GateId, scanId, DateTimeOffset.MinValue, None));
        Assert.Equal(atB, await Scans.GetAsync(atB.GateId, scanId, DateTimeOffset.MinValue, None));
        Assert.Equal(atOtherVenue, await Scans.GetAsync(atOtherVenue.GateId, scanId, DateTimeOffset.MinValue, None));
        Assert.Null(await Scans.GetAsync(Guid.NewGuid(), scanId, DateTimeOffset.MinValue, None));
    }

    [Fact]
    public async Task TheSameGatesScanIdDecidedAgainAfterTheDedupeWindowIsKeptToo()
    {
        var first = Scan(Now);
        var again = first with { DecidedAt = Now + new ScanOptions().DedupeWindow + TimeSpan.FromMinutes(1), Code = DecisionCode.TokenReplayed, Allowed = false };

        Assert.Equal(2, await Scans.InsertAsync([first, again], None));

        Assert.Equal([again, first], await Scans.QueryAsync(new ScanQuery(GateId: first.GateId), None));
        Assert.Equal(again, await Scans.GetAsync(first.GateId, first.ScanId, DateTimeOffset.MinValue, None));
        // Only what was decided from the bound on (given in a gate's own time zone, as a scannedAt is).
        var china = TimeSpan.FromHours(8);
        Assert.Equal(again, await Scans.GetAsync(first.GateId, first.ScanId, (first.DecidedAt + TimeSpan.FromSeconds(1)).ToOffset(china), None));
        Assert.Null(await Scans.GetAsync(first.GateId, first.ScanId, (again.DecidedAt + TimeSpan.FromSeconds(1)).ToOffset(china), None));
    }

    [Fact]
    public async Task PagingVisitsEveryRecordOnceWhenGatesShareAScanIdAndATime()
    {
        var venue = Guid.NewGuid();
        var scanIds = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        var gates = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var records = (from t in Enumerable.Range(0, 2) from s in scanIds from g in gates select Scan(Now.AddSeconds(t), venueId: venue, gateId: g, scanId: s)).ToList();
        await Scans.InsertAsync(records, None);

        var seen = new List<ScanRecord>();
        ScanCursor? before = null;
        while (true)
        {
            var page = await Scans.QueryAsync(new ScanQuery(VenueId: venue, Before: before, Limit: 4), None);
            if (page.Count == 0) break;
            seen.AddRange(page);
            before = ScanCursor.After(page[^1]);
        }

        Assert.Equal(NewestFirst(records), seen);
    }

    [Fact]
    public async Task ARecordReadsBackExactlyAsInserted()
    {
        var ours = Scan(Now, citizenId: CitizenPseudonym.NewRandom()) with { Direction = ScanDirection.Out, Code = DecisionCode.NotInside, Allowed = false };
        var foreign = Scan(Now.AddMilliseconds(1)) with { Issuer = new IssuerId(330100), Colour = StatusColour.Yellow, DisplayName = "J*** S****" };

        await Scans.InsertAsync([ours, foreign], None);

        Assert.Equal(ours, await Scans.GetAsync(ours.GateId, ours.ScanId, DateTimeOffset.MinValue, None));
        Assert.Equal(foreign, await Scans.GetAsync(foreign.GateId, foreign.ScanId, DateTimeOffset.MinValue, None));
        Assert.Null(await Scans.GetAsync(ours.GateId, Guid.NewGuid(), DateTimeOffset.MinValue, None));
        Assert.Null(await Scans.GetAsync(foreign.GateId, ours.ScanId, DateTimeOffset.MinValue, None));
    }

    [Fact]
    public async Task ALateUploadReadsBackFlaggedWithItsOwnScanTime()
    {
        var venue = Guid.NewGuid();
        var live = Scan(Now, venueId: venue);
        var late = Scan(Now.AddMilliseconds(1), venueId: venue) with { ScannedAt = Now.AddDays(-2), LateUpload = true };

        await Scans.InsertAsync([live, late], None);

        Assert.Equal(late, await Scans.GetAsync(late.GateId, late.ScanId, DateTimeOffset.MinValue, None));
        Assert.Equal([late, live], await Scans.QueryAsync(new ScanQuery(VenueId: venue), None));
        Assert.Equal([true, false], (await Scans.QueryAsync(new ScanQuery(VenueId: venue), None)).Select(r => r.LateUpload));
    }

    [Fact]
    public async Task GateClocksShowTheNewestLiveScansDriftAndTheNewestLateUpload()
    {
        Guid gate = Guid.NewGuid(), onlyLate = Guid.NewGuid(), quietToday = Guid.NewGuid(), silent = Guid.NewGuid(), notAsked = Guid.NewGuid();
        static ScanRecord At(Guid gateId, DateTimeOffset decidedAt, TimeSpan drift, bool lateUpload = false) =>
            Scan(decidedAt, gateId: gateId) with { ScannedAt = decidedAt + drift, LateUpload = lateUpload };
        await Scans.InsertAsync(
        [
            At(gate, Now.AddHours(-3), TimeSpan.FromSeconds(4)),
            At(gate, Now.AddMinutes(-10), TimeSpan.FromSeconds(-90)),
            // Newer, but a late upload: its gap is the upload's delay, not the clock's error.
            At(gate, Now.AddMinutes(-5), TimeSpan.FromDays(-2), lateUpload: true),
            At(gate, Now.AddHours(-2), TimeSpan.FromDays(-1), lateUpload: true),
            At(onlyLate, Now.AddMinutes(-1), TimeSpan.FromMinutes(-3), lateUpload: true),
            At(quietToday, Now.AddDays(-1).AddMinutes(-1), TimeSpan.FromSeconds(50)),
            At(notAsked, Now, TimeSpan.FromSeconds(7)),
        ], None);

        var clocks = await Scans.GateClocksAsync([gate, onlyLate, quietToday, silent], Now.AddDays(-1), None);

        Assert.Equal(
            [new GateClock(gate, TimeSpan.FromSeconds(-90), Now.AddMinutes(-5)) { LastLiveScanAt = Now.AddMinutes(-10) }, new GateClock(onlyLate, null, Now.AddMinutes(-1))],
            clocks.OrderBy(c => c.GateId == onlyLate));
        Assert.Empty(await Scans.GateClocksAsync([], Now.AddDays(-1), None));
    }

    [Fact]
    public async Task PagingNewestFirstVisitsEveryRecordOnceEvenWhenManyShareATime()
    {
        var venue = Guid.NewGuid();
        // 60 instants over three days, four scans at each: ties on DecidedAt everywhere.
        var records = Enumerable.Range(0, 60).SelectMany(t => Enumerable.Range(0, 4).Select(_ => Scan(Now.AddDays(-2).AddMinutes(t * 73), venueId: venue))).ToList();
        foreach (var part in records.OrderBy(_ => Random.Shared.Next()).Chunk(50)) await Scans.InsertAsync(part, None);

        var seen = new List<ScanRecord>();
        ScanCursor? before = null;
        while (true)
        {
            var page = await Scans.QueryAsync(new ScanQuery(VenueId: venue, Before: before, Limit: 7), None);
            if (page.Count == 0) break;
            Assert.True(page.Count <= 7);
            seen.AddRange(page);
            before = ScanCursor.After(page[^1]);
        }

        Assert.Equal(NewestFirst(records), seen);
    }

    [Fact]
    public async Task FiltersNarrowByVenueCitizenGateOutcomeAndTimeWindow()
    {
        Guid[] venues = [Guid.NewGuid(), Guid.NewGuid()], gates = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        CitizenPseudonym?[] citizens = [CitizenPseudonym.NewRandom(), CitizenPseudonym.NewRandom(), null];
        var records = Enumerable.Range(0, 90).Select(i =>
            Scan(Now.AddMinutes(-i * 17), venueId: venues[i % 2], gateId: gates[i % 3], citizenId: citizens[i / 3 % 3], allowed: i % 5 != 0)).ToList();
        await Scans.InsertAsync(records, None);
        var from = Now.AddMinutes(-20 * 17);
        var to = Now.AddMinutes(-5 * 17);

        await AssertQuery(new ScanQuery(VenueId: venues[0]), r => r.VenueId == venues[0]);
        await AssertQuery(new ScanQuery(GateId: gates[1]), r => r.GateId == gates[1]);
        await AssertQuery(new ScanQuery(CitizenId: citizens[1]), r => r.CitizenId == citizens[1]);
        await AssertQuery(new ScanQuery(Allowed: false), r => !r.Allowed);
        await AssertQuery(new ScanQuery(From: from, To: to), r => r.DecidedAt >= from && r.DecidedAt < to);
        await AssertQuery(new ScanQuery(VenueId: venues[1], CitizenId: citizens[0], Allowed: true, From: from),
            r => r.VenueId == venues[1] && r.CitizenId == citizens[0] && r.Allowed && r.DecidedAt >= from);
        Assert.Empty(await Scans.QueryAsync(new ScanQuery(VenueId: Guid.NewGuid()), None));

        async Task AssertQuery(ScanQuery query, Func<ScanRecord, bool> expected)
        {
            var want = NewestFirst(records.Where(expected));
            Assert.NotEmpty(want);
            Assert.Equal(want, await Scans.QueryAsync(query, None));
        }
    }

    [Fact]
    public async Task TheLimitIsKeptBetweenOneAndOneThousand()
    {
        await Scans.InsertAsync(Enumerable.Range(0, 1_005).Select(i => Scan(Now.AddSeconds(-i))).ToList(), None);

        Assert.Equal(1_000, (await Scans.QueryAsync(new ScanQuery(Limit: 5_000), None)).Count);
        Assert.Single(await Scans.QueryAsync(new ScanQuery(Limit: 0), None));
        Assert.Equal(3, (await Scans.QueryAsync(new ScanQuery(Limit: 3), None)).Count);
    }

    [Fact]
    public async Task CountsAllRecordsOrOneVenues()
    {
        var venue = Guid.NewGuid();
        await Scans.InsertAsync([Scan(Now, venueId: venue), Scan(Now.AddDays(-1), venueId: venue), Scan(Now)], None);

        Assert.Equal(2, await Scans.CountAsync(venue, None));
        Assert.Equal(3, await Scans.CountAsync(null, None));
        Assert.Equal(0, await Scans.CountAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task PurgeRemovesExactlyTheRecordsDecidedBeforeTheCutoffAndSaysHowMany()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var cutoff = day.AddDays(-1).AddHours(12);
        var old = new[]
        {
            Scan(day.AddDays(-3).AddHours(10)), Scan(day.AddDays(-3).AddHours(11)),
            Scan(day.AddDays(-2)), Scan(day.AddDays(-2).AddHours(5)), Scan(day.AddDays(-2).AddHours(23.99)),
            Scan(day.AddDays(-1).AddHours(8)), Scan(cutoff.AddMilliseconds(-1)),
        };
        var kept = new[] { Scan(cutoff), Scan(day.AddDays(-1).AddHours(13)), Scan(day.AddHours(9)) };
        await Scans.InsertAsync([.. old, .. kept], None);

        Assert.Equal(old.Length, await Scans.PurgeBeforeAsync(cutoff, None));

        Assert.Equal(NewestFirst(kept), await Scans.QueryAsync(new ScanQuery(), None));
        Assert.Equal(0, await Scans.PurgeBeforeAsync(cutoff, None));
        Assert.Null(await Scans.GetAsync(old[0].GateId, old[0].ScanId, DateTimeOffset.MinValue, None));
    }

    [Fact]
    public async Task ADayThatWasPurgedTakesRecordsAgain()
    {
        var old = Scan(Now.AddDays(-40));
        await Scans.InsertAsync([old], None);
        await Scans.PurgeBeforeAsync(Now.AddDays(-30), None);

        var late = Scan(Now.AddDays(-40).AddMinutes(1));
        Assert.Equal(1, await Scans.InsertAsync([late], None));
        Assert.Equal(late, await Scans.GetAsync(late.GateId, late.ScanId, DateTimeOffset.MinValue, None));
    }
}

public sealed class EmbeddedScanStoreTests : ScanStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresScanStoreTests : ScanStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();

    [Fact]
    public async Task EachUtcDayGetsItsOwnPartitionAndPurgeDropsWholeDays()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        await Stores.Scans.InsertAsync([Scan(day.AddDays(-2).AddHours(1)), Scan(day.AddDays(-1).AddHours(23)), Scan(day.AddHours(0.5)), Scan(day.AddHours(20))], None);
        Assert.Equal(["scans_p20261119", "scans_p20261120", "scans_p20261121"], await PartitionsAsync());

        Assert.Equal(3, await Stores.Scans.PurgeBeforeAsync(day.AddHours(1), None));

        Assert.Equal(["scans_p20261121"], await PartitionsAsync());
        Assert.Equal(1, await Stores.Scans.CountAsync(null, None));
    }

    [Fact]
    public async Task AnotherReplicasPurgeOfADayThisReplicaHadCachedDoesNotBreakInserts()
    {
        var replica = new PostgresScanStore(Stores.DataSource!);
        await replica.InsertAsync([Scan(Now.AddDays(-40))], None);
        await Stores.Scans.PurgeBeforeAsync(Now.AddDays(-30), None);

        Assert.Equal(1, await replica.InsertAsync([Scan(Now.AddDays(-40).AddHours(1))], None));
        Assert.Equal(1, await Stores.Scans.CountAsync(null, None));
    }

    [Fact]
    public async Task LogQueriesUseTheirIndexes()
    {
        await Stores.Scans.InsertAsync(Enumerable.Range(0, 2_000).Select(i => Scan(Now.AddSeconds(-i))).ToList(), None);
        await using (var analyze = Stores.DataSource!.CreateCommand("ANALYZE scans")) await analyze.ExecuteNonQueryAsync();

        foreach (var column in new[] { "venue_id", "gate_id", "citizen_id" })
        {
            // A partition's copy of the parent's index is named after its columns; the gate's needs no
            // gate_id at the end, as the gate is fixed.
            var index = column == "gate_id" ? "gate_id_decided_at_scan_id_idx" : $"{column}_decided_at_scan_id_gate_id_idx";
            await using var explain = Stores.DataSource.CreateCommand(
                $"EXPLAIN SELECT * FROM scans WHERE {column} = $1 AND (decided_at, scan_id, gate_id) < ($2, $3, $4) ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 100");
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.NewGuid() });
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Now.UtcDateTime });
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.NewGuid() });
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.NewGuid() });
            var plan = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
            Assert.True(plan.Any(line => line.Contains(index, StringComparison.Ordinal)), string.Join('\n', plan));
            // The keyset condition is applied inside the index, not by filtering what it returns.
            Assert.True(plan.Any(line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("ROW(decided_at, scan_id", StringComparison.Ordinal)), string.Join('\n', plan));
            Assert.DoesNotContain(plan, line => line.Contains("Sort  (", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AGatesClockIsReadFromItsIndexesWhateverItsDaysScans()
    {
        var gate = Guid.NewGuid();
        await Stores.Scans.InsertAsync(Enumerable.Range(0, 3_000).Select(i => Scan(Now.AddSeconds(-i * 10), gateId: i % 3 == 0 ? gate : null)).ToList(), None);
        await using (var analyze = Stores.DataSource!.CreateCommand("ANALYZE scans")) await analyze.ExecuteNonQueryAsync();

        // The store's own statement, explained: each side is an index scan stopped by its LIMIT, not a read of the gate's day.
        await using var explain = Stores.DataSource.CreateCommand("EXPLAIN " + PostgresScanStore.GateClocksSql);
        explain.Parameters.Add(new Npgsql.NpgsqlParameter<Guid[]> { TypedValue = [gate] });
        explain.Parameters.Add(new Npgsql.NpgsqlParameter<DateTimeOffset> { TypedValue = Now.AddDays(-1) });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        }
        var text = string.Join('\n', plan);
        Assert.True(plan.Count(line => line.Contains("Limit", StringComparison.Ordinal)) >= 2, text);
        Assert.Contains("gate_id_decided_at_scan_id_idx", text, StringComparison.Ordinal);
        Assert.Contains("gate_id_decided_at_idx", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan on scans_p", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort  (", text, StringComparison.Ordinal);
    }

    private async Task<List<string>> PartitionsAsync()
    {
        await using var command = Stores.DataSource!.CreateCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'scans'::regclass ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }
}
