using CityPass.Server.Scans;
using CityPass.Server.Stores.Postgres;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>
/// What every <see cref="IScanStore"/> must do with a gate's offline journal: archive each (gate, scan id) once, however
/// often and however concurrently it is sent, and keep the gate's own decision with the record.
/// </summary>
public abstract class ScanJournalContract : StoreContract
{
    private IScanStore Scans => Stores.Scans;

    /// <summary>The same archive as another server process sees it.</summary>
    protected abstract IScanStore AnotherReplica();

    private static ScanRecord Journalled(Guid gateId, Guid venueId, DateTimeOffset decidedAt, bool allowed = true, OfflineDecision? offline = null, Guid? scanId = null) =>
        Scan(decidedAt, venueId: venueId, gateId: gateId, allowed: allowed, scanId: scanId) with
        {
            ScannedAt = decidedAt.AddHours(-3),
            LateUpload = true,
            Offline = offline ?? new OfflineDecision(true, "allowed", Flagged: false),
        };

    private static List<ScanRecord> Batch(Guid gateId, Guid venueId, DateTimeOffset decidedAt, int count) =>
        Enumerable.Range(0, count).Select(_ => Journalled(gateId, venueId, decidedAt)).ToList();

    [Fact]
    public async Task NewScansAreInsertedAndArchivedOnesAnsweredWithTheirRecord()
    {
        Guid gate = Guid.NewGuid(), venue = Guid.NewGuid();
        // The online attempt reached the server before the gate fell back offline: its record is the scan's.
        var online = Scan(Now, venueId: venue, gateId: gate, allowed: false);
        await Scans.InsertAsync([online], None);
        var sameScan = Journalled(gate, venue, Now.AddHours(1), scanId: online.ScanId);
        var fresh = Journalled(gate, venue, Now.AddHours(1));

        var existing = await Scans.InsertOnceAsync([sameScan, fresh], Now.AddMinutes(-10), None);

        Assert.Equal([online, null], existing);
        Assert.Equal(NewestFirst([fresh, online]), await Scans.QueryAsync(new ScanQuery(GateId: gate), None));
    }

    [Fact]
    public async Task ABatchSentAgainArchivesNothingTwiceAndAnswersTheFirstRecords()
    {
        Guid gate = Guid.NewGuid(), venue = Guid.NewGuid();
        var first = Batch(gate, venue, Now, 5);
        Assert.Equal(new ScanRecord?[5], await Scans.InsertOnceAsync(first, Now.AddHours(-4), None));

        // Sent again a minute later: decided anew (another DecidedAt, so not a redelivery by key), but the same scans.
        var again = first.Select(r => r with { DecidedAt = Now.AddMinutes(1), Allowed = !r.Allowed }).ToList();
        Assert.Equal(first.Cast<ScanRecord?>(), await Scans.InsertOnceAsync(again, Now.AddHours(-4), None));

        Assert.Equal(5, await Scans.CountAsync(venue, None));
    }

    [Fact]
    public async Task TheSameBatchSentTwiceAtOnceThroughTwoReplicasIsArchivedExactlyOnce()
    {
        var venue = Guid.NewGuid();
        var replica = AnotherReplica();
        for (var round = 0; round < 10; round++)
        {
            var gate = Guid.NewGuid();
            var batch = Batch(gate, venue, Now, 50);
            var retry = batch.Select(r => r with { DecidedAt = Now.AddMilliseconds(7) }).ToList();

            var answers = await Task.WhenAll(
                Task.Run(() => Scans.InsertOnceAsync(batch, Now.AddHours(-4), None)),
                Task.Run(() => replica.InsertOnceAsync(retry, Now.AddHours(-4), None)));

            // One call inserted everything, the other found everything: never a bit of both, never both inserting.
            var inserted = answers.Single(a => a.All(r => r is null));
            var found = answers.Single(a => a.All(r => r is not null));
            Assert.Equal(50, (await Scans.QueryAsync(new ScanQuery(GateId: gate, Limit: 1000), None)).Count);
            Assert.Equal(50, found.Select(r => r!.ScanId).Distinct().Count());
            Assert.Equal(50, inserted.Count);
        }
        Assert.Equal(500, await Scans.CountAsync(venue, None));
    }

    [Fact]
    public async Task OnlyThisGatesScansDecidedFromTheBoundAndNotWithdrawnAreDuplicates()
    {
        Guid gate = Guid.NewGuid(), venue = Guid.NewGuid();
        var otherGates = Scan(Now, venueId: venue);
        var tooOld = Scan(Now.AddDays(-2), venueId: venue, gateId: gate);
        var withdrawn = Scan(Now, venueId: venue, gateId: gate);
        await Scans.InsertAsync([otherGates, tooOld, withdrawn, withdrawn with { Withdrawn = true }], None);

        var batch = new[] { otherGates.ScanId, tooOld.ScanId, withdrawn.ScanId }.Select(id => Journalled(gate, venue, Now.AddHours(1), scanId: id)).ToList();
        var existing = await Scans.InsertOnceAsync(batch, Now.AddDays(-1), None);

        Assert.Equal(new ScanRecord?[3], existing);
        Assert.Equal(5, await Scans.CountAsync(venue, None)); // the three journal records, the other gate's, the old one
    }

    [Fact]
    public async Task TheGatesOfflineDecisionReadsBackAndDisagreementsAreFound()
    {
        Guid gate = Guid.NewGuid(), venue = Guid.NewGuid();
        // The gate let a red citizen in (on the bundle it had); the server, after the fact, refuses.
        var letIn = Journalled(gate, venue, Now, allowed: false, offline: new OfflineDecision(true, "allowed", Flagged: false));
        var agreed = Journalled(gate, venue, Now.AddSeconds(1), allowed: true, offline: new OfflineDecision(true, "allowed", Flagged: true));
        var keptOut = Journalled(gate, venue, Now.AddSeconds(2), allowed: true, offline: new OfflineDecision(false, "bundle_expired", Flagged: false));
        var live = Scan(Now.AddSeconds(3), venueId: venue, gateId: gate, allowed: false);
        await Scans.InsertOnceAsync([letIn, agreed, keptOut], Now.AddHours(-4), None);
        await Scans.InsertAsync([live], None);

        Assert.Equal(letIn, await Scans.GetAsync(gate, letIn.ScanId, DateTimeOffset.MinValue, None));
        Assert.Equal(new OfflineDecision(true, "allowed", true), (await Scans.GetAsync(gate, agreed.ScanId, DateTimeOffset.MinValue, None))!.Offline);
        Assert.Null((await Scans.GetAsync(gate, live.ScanId, DateTimeOffset.MinValue, None))!.Offline);
        Assert.Equal([keptOut, letIn], await Scans.QueryAsync(new ScanQuery(VenueId: venue, Disagreements: true), None));
        Assert.Equal([letIn], await Scans.QueryAsync(new ScanQuery(VenueId: venue, Disagreements: true, Allowed: false), None));
        Assert.True(letIn.Disagrees);
        Assert.False(agreed.Disagrees);
        Assert.False(live.Disagrees);
    }

    [Fact]
    public async Task ABatchIsOfOneGateWithDistinctScanIds()
    {
        var venue = Guid.NewGuid();
        var a = Journalled(Guid.NewGuid(), venue, Now);
        await Assert.ThrowsAsync<ArgumentException>(() => Scans.InsertOnceAsync([a, Journalled(Guid.NewGuid(), venue, Now)], Now, None));
        await Assert.ThrowsAsync<ArgumentException>(() => Scans.InsertOnceAsync([a, a with { DecidedAt = Now.AddSeconds(1) }], Now, None));
        Assert.Empty(await Scans.InsertOnceAsync([], Now, None));
        Assert.Equal(0, await Scans.CountAsync(venue, None));
    }

    private static List<ScanRecord> NewestFirst(IEnumerable<ScanRecord> records) =>
        records.Order(Comparer<ScanRecord>.Create(ScanCursor.NewestFirst)).ToList();
}

public sealed class EmbeddedScanJournalTests : ScanJournalContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());

    protected override IScanStore AnotherReplica() => Stores.Scans;
}

public sealed class PostgresScanJournalTests : ScanJournalContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();

    protected override IScanStore AnotherReplica() => new PostgresScanStore(Stores.DataSource!);
}
