using CityPass.Server.Audit;
using CityPass.Server.Cases;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="ICaseStore"/> must do, run against each implementation.</summary>
public abstract class CaseStoreContract : StoreContract
{
    private ICaseStore Cases => Stores.Cases;

    private static CaseDraft Draft(CaseType type = CaseType.ConfirmedInfection, string notes = "", DateTimeOffset? at = null) =>
        new(type, "传染病防治法 art. 39", "authority", notes, at ?? Now, "authority");

    [Fact]
    public async Task ACaseGetsTheNextReadableIdAndIsReadBackAsStored()
    {
        var first = await Cases.CreateAsync(Draft(notes: "Index patient: a ward of Ruijin.\nSecond line."), Audited<Case>(), None);
        var second = await Cases.CreateAsync(Draft(CaseType.TravelRule), Audited<Case>(), None);

        // 2026-11-21 08:30 UTC is 2026 in the city too.
        Assert.Equal("C-2026-000001", first.Id);
        Assert.Equal("C-2026-000002", second.Id);
        Assert.Equal(new Case("C-2026-000001", CaseType.ConfirmedInfection, "传染病防治法 art. 39", "authority", "Index patient: a ward of Ruijin.\nSecond line.", Now, "authority"), first);
        Assert.True(first.IsOpen);
        Assert.Equal(first, await Cases.GetAsync(first.Id, None));
        Assert.Equal(second, await Cases.GetAsync(second.Id, None));
        Assert.Null(await Cases.GetAsync("C-2026-000003", None));
    }

    [Fact]
    public async Task EachChangeIsWrittenWithItsAuditEntryAndARefusedOneWithNone()
    {
        var opened = await Cases.CreateAsync(Draft(), Audited<Case>("case.open"), None);
        await Cases.UpdateAsync(opened.Id, "沪卫(2026)12号", "admin", "", Audited<Case>("case.update"), None);
        await Cases.CloseAsync(opened.Id, Now.AddDays(1), "admin", "done", Audited<Case>("case.close"), None);
        Assert.Null(await Cases.CloseAsync(opened.Id, Now.AddDays(2), "admin", "again", Audited<Case>("case.close"), None));
        Assert.Null(await Cases.UpdateAsync("C-2026-000009", "x", "admin", "", Audited<Case>("case.update"), None));
        Assert.Equal(["case.close", "case.update", "case.open"], (await Stores.Audit.QueryAsync(new AuditQuery(), None)).Select(e => e.Action));
    }

    [Fact]
    public async Task AChangeWhoseAuditEntryCannotBeWrittenIsNotMade()
    {
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cases.CreateAsync(Draft(), FailingAudit<Case>(), None));
        Assert.Empty(await Cases.ListAsync(CaseState.All, null, 10, None));

        var opened = await Cases.CreateAsync(Draft(), Audited<Case>(), None);
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cases.UpdateAsync(opened.Id, "changed", "admin", "changed", FailingAudit<Case>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Cases.CloseAsync(opened.Id, Now.AddDays(1), "admin", "done", FailingAudit<Case>(), None));
        Assert.Equal(opened, await Cases.GetAsync(opened.Id, None));
        Assert.Equal(1, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task TheYearIsTheCitysYearTheCaseWasOpened()
    {
        // 17:00 UTC on New Year's Eve is already the new year in Shanghai.
        var opened = await Cases.CreateAsync(Draft(at: new DateTimeOffset(2026, 12, 31, 17, 0, 0, TimeSpan.Zero)), Audited<Case>(), None);
        Assert.Equal("C-2027-000001", opened.Id);
    }

    [Fact]
    public async Task ListsAreNewestFirstFilteredByStateAndPagedByNumber()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await Cases.CreateAsync(Draft(), Audited<Case>(), None)).Id);
        await Cases.CloseAsync(ids[1], Now.AddHours(1), "authority", "done", Audited<Case>(), None);
        await Cases.CloseAsync(ids[3], Now.AddHours(1), "authority", "done", Audited<Case>(), None);

        Assert.Equal([ids[4], ids[2], ids[0]], (await Cases.ListAsync(CaseState.Open, null, 10, None)).Select(c => c.Id));
        Assert.Equal([ids[3], ids[1]], (await Cases.ListAsync(CaseState.Closed, null, 10, None)).Select(c => c.Id));
        Assert.Equal([ids[4], ids[3]], (await Cases.ListAsync(CaseState.All, null, 2, None)).Select(c => c.Id));
        Assert.Equal([ids[2], ids[1]], (await Cases.ListAsync(CaseState.All, 4, 2, None)).Select(c => c.Id));
        Assert.Equal([ids[0]], (await Cases.ListAsync(CaseState.Open, 3, 10, None)).Select(c => c.Id));
        Assert.Empty(await Cases.ListAsync(CaseState.All, 1, 10, None));
    }

    [Fact]
    public async Task AnOpenCaseIsUpdatedAndClosedOnceAndThenNoLongerChanges()
    {
        var opened = await Cases.CreateAsync(Draft(), Audited<Case>(), None);

        var updated = await Cases.UpdateAsync(opened.Id, "沪卫(2026)12号", "admin", "Widened to the ward.", Audited<Case>(), None);
        Assert.Equal(opened with { LegalBasis = "沪卫(2026)12号", Owner = "admin", Notes = "Widened to the ward." }, updated);
        Assert.Equal(updated, await Cases.GetAsync(opened.Id, None));

        var closed = await Cases.CloseAsync(opened.Id, Now.AddDays(14), "admin", "No new cases in 14 days", Audited<Case>(), None);
        Assert.Equal(updated! with { ClosedAt = Now.AddDays(14), ClosedBy = "admin", CloseReason = "No new cases in 14 days" }, closed);
        Assert.False(closed!.IsOpen);

        Assert.Null(await Cases.CloseAsync(opened.Id, Now.AddDays(15), "authority", "again", Audited<Case>(), None));
        Assert.Null(await Cases.UpdateAsync(opened.Id, "changed after closing", "authority", "", Audited<Case>(), None));
        Assert.Equal(closed, await Cases.GetAsync(opened.Id, None));
    }

    [Fact]
    public async Task AnUnknownCaseIsNeitherUpdatedNorClosed()
    {
        Assert.Null(await Cases.UpdateAsync("C-2026-000009", "x", "authority", "", Audited<Case>(), None));
        Assert.Null(await Cases.CloseAsync("C-2026-000009", Now, "authority", "x", Audited<Case>(), None));
        Assert.Empty(await Cases.ListAsync(CaseState.All, null, 10, None));
    }

    [Fact]
    public async Task OfCasesOpenedAndClosedAtOnceEachGetsItsOwnIdAndOneCloseWins()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Cases.CreateAsync(Draft(), Audited<Case>(), None))));
        Assert.Equal(20, opened.Select(c => c.Id).Distinct().Count());

        var closes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Cases.CloseAsync(opened[0].Id, Now.AddMinutes(i), "staff" + i, "reason " + i, Audited<Case>(), None))));
        var winner = Assert.Single(closes, c => c is not null);
        Assert.Equal(winner, await Cases.GetAsync(opened[0].Id, None));
    }
}

public sealed class EmbeddedCaseStoreTests : CaseStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresCaseStoreTests : CaseStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
