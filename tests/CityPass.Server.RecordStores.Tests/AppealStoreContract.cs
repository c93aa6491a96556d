using CityPass.Core.Citizens;
using CityPass.Server.Appeals;
using CityPass.Server.Audit;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IAppealStore"/> must do, run against each implementation: the rules that must hold when requests race are the store's.</summary>
public abstract class AppealStoreContract : StoreContract
{
    private IAppealStore Appeals => Stores.Appeals;

    private async Task<CitizenPseudonym> CitizenAsync(string externalId) => (await Stores.Citizens.UpsertManyAsync([Draft(externalId)], Now, None))[0].Citizen.Id;

    private static Appeal Appeal(CitizenPseudonym citizen, uint version = 2, DateTimeOffset? at = null, string? caseRef = "C-2026-000001") =>
        new(Guid.CreateVersion7(), citizen, version, StatusColour.Red, caseRef, "Wrong barcode at the lab", at ?? Now);

    private static AppealDecision Decision(AppealState state = AppealState.Rejected, StatusColour? outcome = null) =>
        new(state, Now.AddHours(1), "authority", "HealthAuthority", "Confirmed positive", outcome);

    [Fact]
    public async Task OpeningAndDecidingAreWrittenWithTheirAuditEntryAndARefusalWithNone()
    {
        var citizen = await CitizenAsync("a");
        var appeal = Appeal(citizen);
        await Appeals.OpenAsync(appeal, Audited<Appeal>("appeal.open"), None);
        Assert.Equal(AppealOpenResult.AlreadyOpen, await Appeals.OpenAsync(Appeal(citizen, version: 3), Audited<Appeal>("appeal.open"), None));
        await Appeals.DecideAsync(appeal.Id, Decision(), Audited<Appeal>("appeal.decide"), None);
        Assert.Null(await Appeals.DecideAsync(appeal.Id, Decision(), Audited<Appeal>("appeal.decide"), None));
        Assert.Equal(["appeal.decide", "appeal.open"], (await Stores.Audit.QueryAsync(new AuditQuery(), None)).Select(e => e.Action));
    }

    [Fact]
    public async Task AnAppealWhoseAuditEntryCannotBeWrittenIsNeitherOpenedNorDecided()
    {
        var citizen = await CitizenAsync("a");
        var appeal = Appeal(citizen);
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Appeals.OpenAsync(appeal, FailingAudit<Appeal>(), None));
        Assert.Null(await Appeals.GetAsync(appeal.Id, None));

        await Appeals.OpenAsync(appeal, Audited<Appeal>(), None);
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Appeals.DecideAsync(appeal.Id, Decision(), FailingAudit<Appeal>(), None));
        Assert.Equal(AppealState.Open, (await Appeals.GetAsync(appeal.Id, None))!.State);
        Assert.Equal(1, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task AnAppealIsReadBackAsStoredAndDecidedOnce()
    {
        var citizen = await CitizenAsync("a");
        var appeal = Appeal(citizen, caseRef: null);

        Assert.Equal(AppealOpenResult.Opened, await Appeals.OpenAsync(appeal, Audited<Appeal>(), None));
        Assert.Equal(appeal, await Appeals.GetAsync(appeal.Id, None));
        Assert.Equal(AppealState.Open, appeal.State);

        var upheld = await Appeals.DecideAsync(appeal.Id, Decision(AppealState.Upheld, StatusColour.Green), Audited<Appeal>(), None);
        Assert.Equal(appeal with { Decision = Decision(AppealState.Upheld, StatusColour.Green) }, upheld);
        Assert.Equal(upheld, await Appeals.GetAsync(appeal.Id, None));
        // Decided is final: a second decision (say, a colleague's at the same moment) changes nothing.
        Assert.Null(await Appeals.DecideAsync(appeal.Id, Decision(AppealState.Rejected), Audited<Appeal>(), None));
        Assert.Equal(upheld, await Appeals.GetAsync(appeal.Id, None));
        Assert.Null(await Appeals.DecideAsync(Guid.NewGuid(), Decision(), Audited<Appeal>(), None));
        Assert.Null(await Appeals.GetAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task OneOpenAppealPerCitizenAndOnePerStatusVersion()
    {
        var citizen = await CitizenAsync("a");
        var other = await CitizenAsync("b");
        var first = Appeal(citizen, version: 2);
        await Appeals.OpenAsync(first, Audited<Appeal>(), None);

        Assert.Equal(AppealOpenResult.AlreadyOpen, await Appeals.OpenAsync(Appeal(citizen, version: 3), Audited<Appeal>(), None));
        Assert.Equal(AppealOpenResult.AlreadyOpen, await Appeals.OpenAsync(Appeal(citizen, version: 2), Audited<Appeal>(), None));
        Assert.Equal(AppealOpenResult.Opened, await Appeals.OpenAsync(Appeal(other, version: 2), Audited<Appeal>(), None));

        await Appeals.DecideAsync(first.Id, Decision(), Audited<Appeal>(), None);
        Assert.Equal(AppealOpenResult.StatusAlreadyAppealed, await Appeals.OpenAsync(Appeal(citizen, version: 2), Audited<Appeal>(), None));
        Assert.Equal(AppealOpenResult.Opened, await Appeals.OpenAsync(Appeal(citizen, version: 3), Audited<Appeal>(), None));
    }

    [Fact]
    public async Task AppealsOpenedAtOnceOpenOne()
    {
        var citizen = await CitizenAsync("a");
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => Appeals.OpenAsync(Appeal(citizen, version: (uint)(2 + (i % 3))), Audited<Appeal>(), None))));
        Assert.Equal(1, results.Count(r => r == AppealOpenResult.Opened));
        Assert.Single(await Appeals.ListByCitizenAsync(citizen, 50, None));
    }

    [Fact]
    public async Task DecisionsAtOnceLetOneStand()
    {
        var citizen = await CitizenAsync("a");
        var appeal = Appeal(citizen);
        await Appeals.OpenAsync(appeal, Audited<Appeal>(), None);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Appeals.DecideAsync(appeal.Id, i % 2 == 0 ? Decision(AppealState.Rejected) : Decision(AppealState.Upheld, StatusColour.Green), Audited<Appeal>(), None))));
        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(winner, await Appeals.GetAsync(appeal.Id, None));
    }

    [Fact]
    public async Task TheQueueIsOldestFirstTheDecidedNewestFirstAndACitizensListNewestFirst()
    {
        var ids = new List<CitizenPseudonym>();
        for (var i = 0; i < 4; i++) ids.Add(await CitizenAsync("c" + i));
        var appeals = new List<Appeal>();
        for (var i = 0; i < 4; i++)
        {
            appeals.Add(Appeal(ids[i], at: Now.AddMinutes(10 - i)));
            await Appeals.OpenAsync(appeals[i], Audited<Appeal>(), None);
        }
        Assert.Equal([appeals[3].Id, appeals[2].Id, appeals[1].Id, appeals[0].Id], (await Appeals.ListAsync(open: true, 10, None)).Select(a => a.Id));
        Assert.Equal([appeals[3].Id, appeals[2].Id], (await Appeals.ListAsync(open: true, 2, None)).Select(a => a.Id));

        await Appeals.DecideAsync(appeals[0].Id, Decision() with { At = Now.AddHours(1) }, Audited<Appeal>(), None);
        await Appeals.DecideAsync(appeals[2].Id, Decision(AppealState.Superseded) with { At = Now.AddHours(2), ByRole = "system" }, Audited<Appeal>(), None);
        Assert.Equal([appeals[3].Id, appeals[1].Id], (await Appeals.ListAsync(open: true, 10, None)).Select(a => a.Id));
        Assert.Equal([appeals[2].Id, appeals[0].Id], (await Appeals.ListAsync(open: false, 10, None)).Select(a => a.Id));

        // One citizen's own: newest first, others' never.
        var again = Appeal(ids[0], version: 3, at: Now.AddHours(3));
        await Appeals.OpenAsync(again, Audited<Appeal>(), None);
        Assert.Equal([again.Id, appeals[0].Id], (await Appeals.ListByCitizenAsync(ids[0], 10, None)).Select(a => a.Id));
        Assert.Equal([again.Id], (await Appeals.ListByCitizenAsync(ids[0], 1, None)).Select(a => a.Id));
        Assert.Empty(await Appeals.ListByCitizenAsync(CitizenPseudonym.NewRandom(), 10, None));
    }
}

public sealed class EmbeddedAppealStoreTests : AppealStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresAppealStoreTests : AppealStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
