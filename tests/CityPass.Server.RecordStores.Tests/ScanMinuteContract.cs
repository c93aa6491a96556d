using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>
/// What every scan store's roll-ups (<see cref="IScanMinuteStore"/>) must show: each archived scan counted once in its
/// minute, whatever is redelivered, withdrawn or uploaded twice, and gone with the scans at retention.
/// </summary>
public abstract class ScanMinuteContract : StoreContract
{
    private IScanStore Scans => Stores.Scans;

    private IScanMinuteStore Minutes => Stores.Minutes;

    protected static readonly DateTimeOffset Minute = ScanMinute.Of(Now);

    /// <summary>The roll-up the records should give, from the records themselves.</summary>
    protected static List<ScanMinute> Expected(IEnumerable<ScanRecord> records) =>
        [.. records.GroupBy(r => (ScanMinute.Of(r.DecidedAt), r.Code, r.Direction)).Select(g => new ScanMinute(g.Key.Item1, g.Key.Code, g.Key.Direction, g.Count())).Order(Comparer)];

    private static readonly Comparer<ScanMinute> Comparer = Comparer<ScanMinute>.Create((a, b) =>
    {
        var byMinute = a.Minute.CompareTo(b.Minute);
        if (byMinute != 0) return byMinute;
        var byCode = string.CompareOrdinal(a.Code.ToCode(), b.Code.ToCode());
        return byCode != 0 ? byCode : a.Direction.CompareTo(b.Direction);
    });

    /// <summary>
    /// Where a store keeps deltas apart from its roll-ups (PostgreSQL), folds them in: the tests call it midway, so each
    /// reads over roll-ups some folded and some not, and every answer must be the same as before the fold.
    /// </summary>
    protected virtual Task FoldAsync() => Task.CompletedTask;

    protected async Task<List<ScanMinute>> ReadAsync(Guid? venueId = null) =>
        [.. (await Minutes.MinutesAsync(Minute.AddHours(-1), Minute.AddHours(1), venueId, None)).Order(Comparer)];

    private static List<ScanRecord> Mixed(Guid venue, Guid otherVenue) =>
    [
        Scan(Now, venueId: venue),
        Scan(Now.AddSeconds(5), venueId: venue),
        Scan(Now.AddSeconds(6), venueId: venue) with { Direction = ScanDirection.Out },
        Scan(Now.AddSeconds(7), venueId: venue, allowed: false),
        Scan(Now.AddSeconds(8), venueId: venue, allowed: false) with { Code = DecisionCode.VenueFull },
        Scan(Now.AddSeconds(61), venueId: venue),
        Scan(Now.AddSeconds(62), venueId: otherVenue),
        Scan(Now.AddMinutes(-3), venueId: otherVenue, allowed: false),
    ];

    [Fact]
    public async Task EachArchivedScanCountsOnceInItsMinuteByOutcomeAndDirection()
    {
        Guid venue = Guid.NewGuid(), otherVenue = Guid.NewGuid();
        var records = Mixed(venue, otherVenue);

        await Scans.InsertAsync(records, None);
        await FoldAsync();
        // The batch redelivered, whole and in part: nothing more counts.
        await Scans.InsertAsync(records, None);
        await Scans.InsertAsync([records[0], records[3]], None);

        Assert.Equal(Expected(records), await ReadAsync());
        Assert.Equal(Expected(records.Where(r => r.VenueId == venue)), await ReadAsync(venue));
        Assert.Empty(await ReadAsync(Guid.NewGuid()));
        // Another gate's scan with the same id is another scan: it counts.
        var twin = records[0] with { GateId = Guid.NewGuid() };
        await Scans.InsertAsync([twin], None);
        Assert.Equal(Expected([.. records, twin]), await ReadAsync());
        await FoldAsync();
        Assert.Equal(Expected([.. records, twin]), await ReadAsync());
    }

    [Fact]
    public async Task BusiestVenuesAreOrderedByScansWithAllowedAndDenied()
    {
        Guid venue = Guid.NewGuid(), otherVenue = Guid.NewGuid();
        var records = Mixed(venue, otherVenue);
        await Scans.InsertAsync(records[..4], None);
        await FoldAsync();
        await Scans.InsertAsync(records[4..], None);

        Assert.Equal([new VenueScanTotal(venue, 4, 2), new VenueScanTotal(otherVenue, 1, 1)], await Minutes.BusiestVenuesAsync(Minute.AddHours(-1), Minute.AddHours(1), 10, None));
        Assert.Equal([new VenueScanTotal(venue, 4, 2)], await Minutes.BusiestVenuesAsync(Minute.AddHours(-1), Minute.AddHours(1), 1, None));
        // The range is on whole minutes, from inclusive, to exclusive: only the two scans of the minute after Now's.
        Assert.Equal([new VenueScanTotal(otherVenue, 1, 0), new VenueScanTotal(venue, 1, 0)],
            (await Minutes.BusiestVenuesAsync(Minute.AddMinutes(1), Minute.AddMinutes(2), 10, None)).OrderBy(v => v.VenueId != otherVenue));
        Assert.Empty(await Minutes.BusiestVenuesAsync(Minute.AddHours(2), Minute.AddHours(3), 10, None));
    }

    [Fact]
    public async Task AWithdrawnScanIsTakenBackOutWhicheverArrivesFirst()
    {
        var venue = Guid.NewGuid();
        var kept = Scan(Now, venueId: venue);
        var withdrawnAfter = Scan(Now.AddSeconds(1), venueId: venue);
        var withdrawnWith = Scan(Now.AddSeconds(2), venueId: venue);
        var withdrawnBefore = Scan(Now.AddSeconds(3), venueId: venue);

        await Scans.InsertAsync([kept, withdrawnAfter, withdrawnBefore with { Withdrawn = true }], None);
        await FoldAsync();
        await Scans.InsertAsync([withdrawnAfter with { Withdrawn = true }, withdrawnWith, withdrawnWith with { Withdrawn = true }, withdrawnBefore], None);
        // Withdrawals redelivered take nothing more.
        await Scans.InsertAsync([withdrawnAfter with { Withdrawn = true }, withdrawnBefore with { Withdrawn = true }], None);

        Assert.Equal(Expected([kept]), await ReadAsync(venue));
    }

    [Fact]
    public async Task AJournalUploadedTwiceCountsOnce()
    {
        var gate = Guid.NewGuid();
        var venue = Guid.NewGuid();
        var journal = Enumerable.Range(0, 5).Select(i => Scan(Now.AddSeconds(i * 20), venueId: venue, gateId: gate, allowed: i != 2) with { LateUpload = true }).ToList();

        await Scans.InsertOnceAsync(journal, Now.AddDays(-1), None);
        await FoldAsync();
        await Scans.InsertOnceAsync(journal, Now.AddDays(-1), None);

        Assert.Equal(Expected(journal), await ReadAsync(venue));
    }

    [Fact]
    public async Task RollUpsArePurgedWithTheirScans()
    {
        var venue = Guid.NewGuid();
        var old = Scan(Now.AddDays(-40), venueId: venue);
        var sameDayOlder = Scan(Now.AddMinutes(-30), venueId: venue);
        var kept = Scan(Now, venueId: venue);
        await Scans.InsertAsync([old], None);
        await FoldAsync();
        await Scans.InsertAsync([sameDayOlder, kept], None);

        await Scans.PurgeBeforeAsync(Now.AddMinutes(-1), None);

        Assert.Empty(await Minutes.MinutesAsync(Now.AddDays(-41), Now.AddMinutes(-1), venue, None));
        Assert.Equal(Expected([kept]), await ReadAsync(venue));
    }
}

public sealed class EmbeddedScanMinuteTests : ScanMinuteContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresScanMinuteTests : ScanMinuteContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();

    private PostgresScanMinuteFolder Folder() => new(Stores.DataSource!, TimeProvider.System, NullLogger<PostgresScanMinuteFolder>.Instance);

    protected override async Task FoldAsync() => Assert.NotNull(await Folder().FoldOnceAsync(None));

    private async Task<long> CountAsync(string table)
    {
        await using var command = Stores.DataSource!.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task DenseStatementsAppendDeltasThatAFoldMovesIntoTheRollUpsOnceEvenWhenTwoReplicasFoldAtOnce()
    {
        Guid venue = Guid.NewGuid(), otherVenue = Guid.NewGuid();
        // Three statements of a busy moment (a scan a millisecond, twice ScansPerSecondForDeltas) across a minute's end,
        // as an archiver keeping up under load sends them.
        const int size = 1_001;
        var records = Enumerable.Range(0, 3 * size)
            .Select(i => Scan(Minute.AddSeconds(59).AddMilliseconds(i), venueId: i % 3 == 0 ? otherVenue : venue, allowed: i % 5 != 0)).ToList();
        Assert.All(records.Chunk(size), chunk => Assert.True(PostgresScanStore.AppendsDeltas(chunk)));
        foreach (var chunk in records.Chunk(size)) await Stores.Scans.InsertAsync(chunk, None);
        // The first one redelivered: nothing more.
        await Stores.Scans.InsertAsync(records[..size], None);

        var deltas = await CountAsync("scan_minute_deltas");
        Assert.True(deltas >= 6, $"{deltas} deltas");
        Assert.Equal(0, await CountAsync("scan_minutes"));
        Assert.Equal(Expected(records), await ReadAsync());

        var folds = await Task.WhenAll(Folder().FoldOnceAsync(None), Folder().FoldOnceAsync(None), Folder().FoldOnceAsync(None));

        // Whichever replica folded, every delta was folded once: none left, none counted twice, and summed into one
        // roll-up row per minute, venue, outcome and direction.
        Assert.Equal(deltas, folds.Sum(f => f ?? 0));
        Assert.Equal(0, await CountAsync("scan_minute_deltas"));
        Assert.Equal(Expected(records), await ReadAsync());
        Assert.Equal(records.Select(r => (ScanMinute.Of(r.DecidedAt), r.VenueId, r.Code, r.Direction)).Distinct().Count(), await CountAsync("scan_minutes"));
        // A withdrawal after the fold takes its scan back out; a statement of one record upserts directly, leaving nothing to fold.
        await Stores.Scans.InsertAsync([records[1] with { Withdrawn = true }], None);
        Assert.Equal(Expected(records.Where((_, i) => i != 1)), await ReadAsync());
        Assert.Equal(0, await Folder().FoldOnceAsync(None));
    }

    [Fact]
    public async Task DeltasAppendedAndReadWhileFoldsRunAreEachCountedOnce()
    {
        // An archiver appending small dense statements (100 scans over 99 ms) while folds run back to back and a
        // dashboard reads: a fold truncates what it summed, so an append that landed between its sum and its truncate
        // would be lost, and a read that saw the deltas emptied but not their sums (or both) would count less than
        // the read before it (or more than the one after).
        var venue = Guid.NewGuid();
        var records = Enumerable.Range(0, 20_000).Select(i => Scan(Minute.AddMilliseconds(i), venueId: venue, allowed: i % 4 != 0)).ToList();
        Assert.All(records.Chunk(100), chunk => Assert.True(PostgresScanStore.AppendsDeltas(chunk)));

        var appending = Task.Run(async () =>
        {
            foreach (var chunk in records.Chunk(100)) await Stores.Scans.InsertAsync(chunk, None);
        });
        var reading = Task.Run(async () =>
        {
            var totals = new List<long>();
            while (!appending.IsCompleted) totals.Add((await ReadAsync()).Sum(m => m.Scans));
            return totals;
        });
        var foldsThatMovedDeltas = 0;
        while (!appending.IsCompleted)
        {
            if (await Folder().FoldOnceAsync(None) > 0) foldsThatMovedDeltas++;
        }
        await appending;
        var totals = await reading;
        await Folder().FoldOnceAsync(None);

        Assert.True(foldsThatMovedDeltas >= 3, $"only {foldsThatMovedDeltas} folds ran while the deltas were appended");
        Assert.True(totals.Count >= 3, $"only {totals.Count} reads ran while the deltas were appended");
        Assert.Equal(totals.Order(), totals);
        Assert.All(totals, t => Assert.InRange(t, 0L, records.Count));
        Assert.Equal(0, await CountAsync("scan_minute_deltas"));
        Assert.Equal(Expected(records), await ReadAsync());
    }

    [Fact]
    public async Task ALargeStatementOfAQuietHourUpsertsItsRollUpsWithNothingToFold()
    {
        // A backlog of a quiet hour (a scan every 3 s), drained in one statement: nearly every scan a venue-minute of its
        // own, so appending and folding would cost more than upserting.
        var venue = Guid.NewGuid();
        var records = Enumerable.Range(0, 1_200).Select(i => Scan(Minute.AddMinutes(-59).AddSeconds(i * 3), venueId: venue, allowed: i % 7 != 0)).ToList();
        Assert.False(PostgresScanStore.AppendsDeltas(records));

        await Stores.Scans.InsertAsync(records, None);

        Assert.Equal(0, await CountAsync("scan_minute_deltas"));
        Assert.Equal(records.Select(r => (ScanMinute.Of(r.DecidedAt), r.Code, r.Direction)).Distinct().Count(), await CountAsync("scan_minutes"));
        Assert.Equal(Expected(records), await ReadAsync(venue));
        Assert.Equal(0, await Folder().FoldOnceAsync(None));
    }

    [Theory]
    [InlineData(1, 0, false)]             // one scan
    [InlineData(50, 0, false)]            // 50 in one instant: counted over the shortest span (100 ms), 500 a second, not more
    [InlineData(51, 0, true)]
    [InlineData(400, 104, true)]          // an archiver's round at half the load runner's maximum (3,825 a second)
    [InlineData(1_000, 216_000, false)]   // 1,000 scans at the 20-million data set's 4.63 a second
    [InlineData(8_000, 1_600, true)]      // a full round of a backlog at 5,000 a second
    public void ScansDenserThanFiveHundredASecondAppendTheirDeltas(int scans, int spanMilliseconds, bool appends)
    {
        var records = Enumerable.Range(0, scans).Select(i => Scan(Now.AddMilliseconds(scans == 1 ? 0 : (double)i * spanMilliseconds / (scans - 1)))).ToList();
        Assert.Equal(500, PostgresScanStore.ScansPerSecondForDeltas);
        Assert.Equal(appends, PostgresScanStore.AppendsDeltas(records));
    }
}
