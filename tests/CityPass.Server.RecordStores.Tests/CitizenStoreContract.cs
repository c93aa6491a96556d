using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Citizens;
using CityPass.Testing;
using Npgsql;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="ICitizenStore"/> must do, run against each implementation.</summary>
public abstract class CitizenStoreContract : StoreContract
{
    private ICitizenStore Citizens => Stores.Citizens;

    [Fact]
    public async Task NewExternalIdCreatesAGreenCitizenAtVersionOneWithItsFirstHistoryRow()
    {
        var results = await Citizens.UpsertManyAsync([Draft("a"), Draft("b", credentials: Credentials.EIdVerified | Credentials.SocialSecurityCard)], Now, None);

        Assert.All(results, r => Assert.Equal(UpsertOutcome.Created, r.Outcome));
        Assert.NotEqual(results[0].Citizen.Id, results[1].Citizen.Id);
        var b = results[1].Citizen;
        Assert.Equal(new Citizen(b.Id, "b", PhoneFor("b"), "张三b", CitizenStatus.Initial(Now), Credentials.EIdVerified | Credentials.SocialSecurityCard, Now), b);
        Assert.Equal(b, await Citizens.GetAsync(b.Id, None));
        Assert.Equal(b, await Citizens.FindByPhoneAsync(PhoneFor("b"), None));
        Assert.Equal(b, await Citizens.FindByExternalIdAsync("b", None));
        Assert.Equal([StatusHistoryEntry.Initial(CitizenStatus.Initial(Now))], await Citizens.GetStatusHistoryAsync(b.Id, None));
        Assert.Equal(2, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task UnknownIdsPhonesAndExternalIdsFindNothing()
    {
        await Citizens.UpsertManyAsync([Draft("a")], Now, None);

        Assert.Null(await Citizens.GetAsync(CitizenPseudonym.NewRandom(), None));
        Assert.Null(await Citizens.FindByPhoneAsync("+86 nobody", None));
        Assert.Null(await Citizens.FindByExternalIdAsync("nobody", None));
        Assert.Empty(await Citizens.GetStatusHistoryAsync(CitizenPseudonym.NewRandom(), None));
    }

    [Fact]
    public async Task UpsertingTheSameDraftsAgainChangesNothing()
    {
        var first = await Citizens.UpsertManyAsync([Draft("a"), Draft("b")], Now, None);

        var again = await Citizens.UpsertManyAsync([Draft("a"), Draft("b")], Now.AddDays(1), None);

        Assert.All(again, r => Assert.Equal(UpsertOutcome.Unchanged, r.Outcome));
        Assert.Equal(first.Select(r => r.Citizen), again.Select(r => r.Citizen));
        Assert.Equal(2, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task AKnownExternalIdUpdatesPhoneNameAndCredentialsButNeverIdOrStatus()
    {
        var created = (await Citizens.UpsertManyAsync([Draft("a", phone: "+86 old")], Now, None))[0].Citizen;
        await Citizens.ChangeStatusAsync(Change(created.Id, StatusColour.Yellow), None);

        var updated = await Citizens.UpsertManyAsync([Draft("a", phone: "+86 new", name: "李四", credentials: Credentials.None)], Now.AddDays(1), None);

        Assert.Equal(UpsertOutcome.Updated, updated[0].Outcome);
        var expected = created with { Phone = "+86 new", FullName = "李四", Credentials = Credentials.None, Status = created.Status.ChangeTo(StatusColour.Yellow, "close contact", Now.AddMinutes(5)) };
        Assert.Equal(expected, updated[0].Citizen);
        Assert.Equal(expected, await Citizens.GetAsync(created.Id, None));
        Assert.Null(await Citizens.FindByPhoneAsync("+86 old", None));
        Assert.Equal(created.Id, (await Citizens.FindByPhoneAsync("+86 new", None))?.Id);
    }

    [Fact]
    public async Task ResultsComeInDraftOrderWithEachOutcome()
    {
        await Citizens.UpsertManyAsync([Draft("a"), Draft("b")], Now, None);

        var results = await Citizens.UpsertManyAsync([Draft("c"), Draft("b", name: "王五"), Draft("a")], Now, None);

        Assert.Equal(["c", "b", "a"], results.Select(r => r.Citizen.ExternalId));
        Assert.Equal([UpsertOutcome.Created, UpsertOutcome.Updated, UpsertOutcome.Unchanged], results.Select(r => r.Outcome));
        Assert.Equal("王五", results[1].Citizen.FullName);
    }

    [Fact]
    public async Task OneExternalIdTwiceInACallIsCreatedThenUpdated()
    {
        var results = await Citizens.UpsertManyAsync([Draft("a", phone: "+86 1"), Draft("a", phone: "+86 2")], Now, None);

        Assert.Equal([UpsertOutcome.Created, UpsertOutcome.Updated], results.Select(r => r.Outcome));
        Assert.Equal(results[0].Citizen.Id, results[1].Citizen.Id);
        Assert.Equal("+86 2", (await Citizens.FindByExternalIdAsync("a", None))?.Phone);
        Assert.Equal(1, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task APhoneHeldByAnotherCitizenThrowsAndKeepsNothingOfTheCall()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a", phone: "+86 taken")], Now, None))[0].Citizen;

        var e = await Assert.ThrowsAsync<DuplicatePhoneException>(() =>
            Citizens.UpsertManyAsync([Draft("new"), Draft("a", name: "renamed"), Draft("thief", phone: "+86 taken")], Now, None));

        Assert.Equal("thief", e.ExternalId);
        Assert.Null(await Citizens.FindByExternalIdAsync("new", None));
        Assert.Null(await Citizens.FindByExternalIdAsync("thief", None));
        Assert.Equal(a, await Citizens.GetAsync(a.Id, None));
        Assert.Equal(1, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task TwoDraftsOfOneCallClaimingOnePhoneThrowAndKeepNothing()
    {
        var e = await Assert.ThrowsAsync<DuplicatePhoneException>(() =>
            Citizens.UpsertManyAsync([Draft("x", phone: "+86 same"), Draft("y", phone: "+86 same")], Now, None));

        Assert.Equal("y", e.ExternalId);
        Assert.Equal(0, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task ADuplicatePhoneLateInALargeImportRollsBackTheEarlierBatchesToo()
    {
        await Citizens.UpsertManyAsync([Draft("holder", phone: "+86 taken")], Now, None);
        var drafts = Enumerable.Range(0, 2_500).Select(i => Draft("bulk" + i)).ToList();
        drafts[2_200] = Draft("bulk2200", phone: "+86 taken");

        var e = await Assert.ThrowsAsync<DuplicatePhoneException>(() => Citizens.UpsertManyAsync(drafts, Now, None));

        Assert.Equal("bulk2200", e.ExternalId);
        Assert.Equal(1, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task ALargeImportSpanningSeveralBatchesIsCreatedOnceAndThenUnchanged()
    {
        var drafts = Enumerable.Range(0, 2_500).Select(i => Draft("bulk" + i)).ToList();

        var first = await Citizens.UpsertManyAsync(drafts, Now, None);
        var second = await Citizens.UpsertManyAsync(drafts, Now, None);

        Assert.Equal(drafts.Select(d => d.ExternalId), first.Select(r => r.Citizen.ExternalId));
        Assert.All(first, r => Assert.Equal(UpsertOutcome.Created, r.Outcome));
        Assert.All(second, r => Assert.Equal(UpsertOutcome.Unchanged, r.Outcome));
        Assert.Equal(first.Select(r => r.Citizen.Id), second.Select(r => r.Citizen.Id));
        Assert.Equal(2_500, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task ADraftWithoutExternalIdIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Citizens.UpsertManyAsync([new CitizenDraft(null, "+86 1", "张三", Credentials.None)], Now, None));
        Assert.Equal(0, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task AStatusChangeBumpsTheVersionAndWritesHistoryAndAuditTogether()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;
        var change = Change(a.Id, StatusColour.Red);

        var result = await Citizens.ChangeStatusAsync(change, None);

        Assert.NotNull(result);
        var red = new CitizenStatus(StatusColour.Red, 2, "close contact", change.At);
        Assert.Equal(a with { Status = red }, result.Citizen);
        Assert.Equal(CitizenStatus.Initial(Now), result.Previous);
        Assert.Equal(a with { Status = red }, await Citizens.GetAsync(a.Id, None));
        // The history row keeps the case and the changer's role, never the changer's name (the citizen reads it).
        Assert.Equal([StatusHistoryEntry.Initial(CitizenStatus.Initial(Now)), new StatusHistoryEntry(StatusColour.Red, 2, "close contact", change.At, "CASE-2026-0042", "HealthAuthority")],
            await Citizens.GetStatusHistoryAsync(a.Id, None));

        var audit = result.Audit;
        Assert.Equal(AuditChain.Seal(StatusAudit.Draft(change, CitizenStatus.Initial(Now), red), 1, AuditChain.Genesis), audit);
        Assert.Equal(("citizen:" + a.Id, "green v1", "red v2", "CASE-2026-0042"), (audit.Subject, audit.Before, audit.After, audit.CaseRef));
        Assert.Equal([audit], await Stores.Audit.QueryAsync(new AuditQuery(Subject: "citizen:" + a.Id), None));
    }

    [Fact]
    public async Task ChangingToTheSameColourStillMovesTheVersionOn()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;

        var result = await Citizens.ChangeStatusAsync(Change(a.Id, StatusColour.Green), None);

        Assert.Equal(2u, result?.Citizen.Status.Version);
        Assert.Equal(StatusColour.Green, result?.Citizen.Status.Colour);
        Assert.Equal(2, (await Citizens.GetStatusHistoryAsync(a.Id, None)).Count);
    }

    [Fact]
    public async Task ChangingAnUnknownCitizenReturnsNullAndAuditsNothing()
    {
        Assert.Null(await Citizens.ChangeStatusAsync(Change(CitizenPseudonym.NewRandom(), StatusColour.Red), None));
        Assert.Empty(await Stores.Audit.QueryAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task OfTwentyConcurrentChangesOnTopOfOneVersionExactlyOneCommits()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Citizens.ChangeStatusAsync(Change(a.Id, (StatusColour)(i % 3), Now.AddSeconds(i)), None))));

        // The others held version 1 too: they get nothing and must read again, never overwrite the winner.
        var winner = Assert.Single(results, r => r is not null)!;
        Assert.Equal(2u, winner.Citizen.Status.Version);
        Assert.Equal(winner.Citizen, await Citizens.GetAsync(a.Id, None));
        Assert.Equal([1u, 2u], (await Citizens.GetStatusHistoryAsync(a.Id, None)).Select(s => s.Version));
        Assert.Single(await Stores.Audit.ReadAllAsync(None).ToListAsync());
    }

    [Fact]
    public async Task ChangesEachOnTopOfTheLastGiveVersionsTwoToTwentyOneAndAnIntactChain()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;

        var results = new List<StatusChangeResult>();
        for (var i = 0; i < 20; i++)
        {
            results.Add((await Citizens.ChangeStatusAsync(Change(a.Id, (StatusColour)(i % 3), Now.AddSeconds(i), expectedVersion: (uint)(i + 1)), None))!);
        }

        Assert.Equal(Enumerable.Range(2, 20).Select(v => (uint)v), results.Select(r => r.Citizen.Status.Version));
        Assert.Equal(Enumerable.Range(1, 20).Select(v => (uint)v), results.Select(r => r.Previous.Version));
        Assert.Equal(Enumerable.Range(1, 21).Select(v => (uint)v), (await Citizens.GetStatusHistoryAsync(a.Id, None)).Select(s => s.Version));
        Assert.Equal(21u, (await Citizens.GetAsync(a.Id, None))?.Status.Version);
        var chain = await Stores.Audit.ReadAllAsync(None).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 20).Select(s => (long)s), chain.Select(e => e.Sequence));
        Assert.Null(AuditChain.FindBreak(chain, AuditChain.Genesis));
    }

    [Fact]
    public async Task AChangeOnTopOfAnOldVersionChangesNothing()
    {
        var a = (await Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;
        var yellow = (await Citizens.ChangeStatusAsync(Change(a.Id, StatusColour.Yellow), None))!.Citizen;

        Assert.Null(await Citizens.ChangeStatusAsync(Change(a.Id, StatusColour.Red, expectedVersion: 1), None));
        Assert.Null(await Citizens.ChangeStatusAsync(Change(a.Id, StatusColour.Red, expectedVersion: 3), None));

        Assert.Equal(yellow, await Citizens.GetAsync(a.Id, None));
        Assert.Equal([1u, 2u], (await Citizens.GetStatusHistoryAsync(a.Id, None)).Select(s => s.Version));
        Assert.Single(await Stores.Audit.ReadAllAsync(None).ToListAsync());
    }

    [Fact]
    public async Task StatusChangesAndOtherAuditEntriesShareOneChain()
    {
        var five = (await Citizens.UpsertManyAsync(Enumerable.Range(0, 5).Select(i => Draft("a" + i)).ToList(), Now, None)).Select(r => r.Citizen).ToList();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            if (i % 2 == 0) await Citizens.ChangeStatusAsync(Change(five[i / 2].Id, StatusColour.Yellow), None);
            else await Stores.Audit.AppendAsync(new AuditDraft(Now, "admin", "venue.create", "venue:" + i, null, "x", "new venue", null), None);
        })));

        var chain = await Stores.Audit.ReadAllAsync(None).ToListAsync();
        Assert.Equal(10, chain.Count);
        Assert.Equal(5, chain.Count(e => e.Action == StatusAudit.Action));
        Assert.Null(AuditChain.FindBreak(chain, AuditChain.Genesis));
    }

    [Fact]
    public async Task ListingPagesThroughEveryCitizenInIdOrder()
    {
        var created = await Citizens.UpsertManyAsync(Enumerable.Range(0, 25).Select(i => Draft("c" + i)).ToList(), Now, None);

        var seen = new List<Citizen>();
        CitizenPseudonym? after = null;
        while (true)
        {
            var page = await Citizens.ListAsync(after, 10, None);
            if (page.Count == 0) break;
            Assert.True(page.Count <= 10);
            seen.AddRange(page);
            after = page[^1].Id;
        }

        Assert.Equal(created.Select(r => r.Citizen.Id.Value).Order(), seen.Select(c => c.Id.Value));
        Assert.Equal(25, await Citizens.CountAsync(None));
    }

    [Fact]
    public async Task ListingTheChangesGivesTheCitizensWrittenSinceAMomentInTheOrderOfTheirWrites()
    {
        var created = (await Citizens.UpsertManyAsync(Enumerable.Range(0, 5).Select(i => Draft("w" + i)).ToList(), Now, None)).Select(r => r.Citizen).ToList();
        var all = await ChangesAsync(DateTimeOffset.MinValue, pageSize: 2);
        Assert.Equal(created.Select(c => c.Id.Value).Order(), all.Select(c => c.Citizen.Id.Value).Order());
        // A microsecond after the last creation: the store's clocks count microseconds at the finest.
        var since = all.Max(c => c.ChangedAt).AddTicks(10);

        // After it: a status change, then a new name. Upserting a draft as it stands writes nothing, so is no change.
        var red = (await Citizens.ChangeStatusAsync(Change(created[3].Id, StatusColour.Red), None))!.Citizen;
        var renamed = (await Citizens.UpsertManyAsync([Draft("w1", name: "李四")], Now, None))[0].Citizen;
        await Citizens.UpsertManyAsync([Draft("w0")], Now, None);

        var changed = await ChangesAsync(since, pageSize: 1);
        Assert.Equal([red, renamed], changed.Select(c => c.Citizen));
        Assert.True(since <= changed[0].ChangedAt && changed[0].ChangedAt <= changed[1].ChangedAt, "stamped in the order of the writes, after the moment");
    }

    [Fact]
    public async Task ListingTheChangesFromAWriteHorizonKeepsEveryWriteMadeAfterItWasReadAndSkipsTheFinishedOnes()
    {
        var created = (await Citizens.UpsertManyAsync(Enumerable.Range(0, 3).Select(i => Draft("h" + i)).ToList(), Now, None)).Select(r => r.Citizen).ToList();
        var horizon = await Citizens.ReadWriteHorizonAsync(None);

        var red = (await Citizens.ChangeStatusAsync(Change(created[1].Id, StatusColour.Red), None))!.Citizen;
        var added = (await Citizens.UpsertManyAsync([Draft("h3")], Now, None))[0].Citizen;

        // Written after the horizon was read: listed, whatever else runs on the store. (The creations before it may be
        // listed too: on a shared PostgreSQL another test's transaction still running holds the horizon below them.)
        var fromHorizon = (await ChangesAsync(DateTimeOffset.MinValue, pageSize: 1, writtenFrom: horizon)).Select(c => c.Citizen).ToList();
        Assert.Equal([red, added], fromHorizon.Where(c => c.Id == red.Id || c.Id == added.Id));
        Assert.Equal(4, (await ChangesAsync(DateTimeOffset.MinValue, pageSize: 2)).Count);
        // Finished before a horizon: skipped, once no transaction running is older than them.
        await Eventually.TrueAsync(async () => (await ChangesAsync(DateTimeOffset.MinValue, pageSize: 2, writtenFrom: await Citizens.ReadWriteHorizonAsync(None))).Count == 0,
            TimeSpan.FromSeconds(10), "a horizon read after every write finished skips them all");
    }

    /// <summary>Every change since <paramref name="since"/> (from <paramref name="writtenFrom"/>), paging as the reconciler does.</summary>
    private async Task<List<CitizenChange>> ChangesAsync(DateTimeOffset since, int pageSize, long? writtenFrom = null)
    {
        var seen = new List<CitizenChange>();
        CitizenChange? after = null;
        while (true)
        {
            var page = await Citizens.ListChangedAsync(since, writtenFrom, after, pageSize, None);
            Assert.True(page.Count <= pageSize);
            if (page.Count == 0) return seen;
            seen.AddRange(page);
            after = page[^1];
        }
    }

    [Fact]
    public async Task TheColourMixCountsHoldersNowAndChangesIntoAndOutOfEachColourSinceAMoment()
    {
        var created = (await Citizens.UpsertManyAsync([Draft("a"), Draft("b"), Draft("c")], Now, None)).Select(r => r.Citizen).ToList();
        // Before the moment: a turned yellow. After it: b yellow then red, a back to green.
        await Citizens.ChangeStatusAsync(Change(created[0].Id, StatusColour.Yellow, at: Now.AddMinutes(1)), None);
        var since = Now.AddMinutes(10);
        await Citizens.ChangeStatusAsync(Change(created[1].Id, StatusColour.Yellow, at: Now.AddMinutes(11)), None);
        await Citizens.ChangeStatusAsync(Change(created[1].Id, StatusColour.Red, at: Now.AddMinutes(12), expectedVersion: 2), None);
        await Citizens.ChangeStatusAsync(Change(created[0].Id, StatusColour.Green, at: Now.AddMinutes(13), expectedVersion: 2), None);

        var mix = await Citizens.ColourMixAsync(since, None);

        Assert.Equal(
            [new ColourCount(StatusColour.Green, 2, 1, 1), new ColourCount(StatusColour.Yellow, 0, 1, 2), new ColourCount(StatusColour.Red, 1, 1, 0)],
            mix);
        // From before the citizens existed, their first statuses count as changes into green.
        Assert.Equal([3L + 1, 2, 1], (await Citizens.ColourMixAsync(Now.AddDays(-1), None)).Select(m => m.Into));
    }
}

public sealed class EmbeddedCitizenStoreTests : CitizenStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresCitizenStoreTests : CitizenStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();

    [Fact]
    public async Task AStatusChangeWhoseAuditEntryFailsLeavesStatusAndHistoryUntouched()
    {
        var a = (await Stores.Citizens.UpsertManyAsync([Draft("a")], Now, None))[0].Citizen;
        await using (var sabotage = Stores.DataSource!.CreateCommand("ALTER TABLE audit_log ADD CONSTRAINT no_red CHECK (after NOT LIKE 'red%')"))
        {
            await sabotage.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<PostgresException>(() => Stores.Citizens.ChangeStatusAsync(Change(a.Id, StatusColour.Red), None));

        Assert.Equal(a, await Stores.Citizens.GetAsync(a.Id, None));
        Assert.Equal([StatusHistoryEntry.Initial(a.Status)], await Stores.Citizens.GetStatusHistoryAsync(a.Id, None));
        Assert.Empty(await Stores.Audit.QueryAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task ACitizenWrittenByATransactionStillRunningWhenTheHorizonIsReadIsListedFromIt()
    {
        var citizen = (await Stores.Citizens.UpsertManyAsync([Draft("late")], Now, None))[0].Citizen;
        await using var connection = await Stores.DataSource!.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var rename = new NpgsqlCommand("UPDATE citizens SET full_name = 'Late Committer' WHERE external_id = 'late'", connection, transaction))
        {
            Assert.Equal(1, await rename.ExecuteNonQueryAsync());
        }

        // Later writes commit meanwhile. A pass reads the horizon while the transaction runs, so its reads cannot see the
        // new name; the next pass must.
        await Stores.Citizens.UpsertManyAsync([Draft("meanwhile")], Now, None);
        var horizon = await Stores.Citizens.ReadWriteHorizonAsync(None);
        await transaction.CommitAsync();

        var listed = Assert.Single(await Stores.Citizens.ListChangedAsync(DateTimeOffset.MinValue, horizon, null, 10, None), c => c.Citizen.Id == citizen.Id);
        Assert.Equal("Late Committer", listed.Citizen.FullName);
    }

    [Fact]
    public async Task ABulkImportOfOneHundredThousandCitizensInBatchesOfOneThousandIsIdempotent()
    {
        var drafts = Enumerable.Range(0, 100_000).Select(i => Draft("import" + i)).ToList();

        var created = 0;
        foreach (var batch in drafts.Chunk(1_000)) created += (await Stores.Citizens.UpsertManyAsync(batch, Now, None)).Count(r => r.Outcome == UpsertOutcome.Created);
        var unchanged = (await Stores.Citizens.UpsertManyAsync(drafts, Now, None)).Count(r => r.Outcome == UpsertOutcome.Unchanged);

        Assert.Equal(100_000, created);
        Assert.Equal(100_000, unchanged);
        Assert.Equal(100_000, await Stores.Citizens.CountAsync(None));
    }
}
