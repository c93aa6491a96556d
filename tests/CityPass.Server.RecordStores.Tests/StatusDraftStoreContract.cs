using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Authority;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IStatusDraftStore"/> must do with staff's changes, run against each implementation.</summary>
public abstract class StatusDraftStoreContract : StoreContract
{
    private IStatusDraftStore Drafts => Stores.Drafts;

    private static readonly Guid Drafter = Guid.NewGuid();

    private static NewStatusDraft Draft() =>
        new(StatusColour.Yellow, "Same carriage", "C-2026-000001", [CitizenPseudonym.NewRandom(), CitizenPseudonym.NewRandom()], Drafter, "authority", Now, Now.AddDays(1), null);

    [Fact]
    public async Task DraftingAndDecidingAreWrittenWithTheirAuditEntryAndALostDecisionWithNone()
    {
        var draft = await Drafts.CreateAsync(Draft(), Audited<StatusDraft>("status.draft"), None);
        Assert.NotNull(await Drafts.DecideAsync(draft.Id, approve: true, Guid.NewGuid(), "epidemiologist", Now.AddHours(1), null, Audited<StatusDraft>("status.draft.approve"), None));
        Assert.Null(await Drafts.DecideAsync(draft.Id, approve: false, Guid.NewGuid(), "admin", Now.AddHours(2), "too late", Audited<StatusDraft>("status.draft.reject"), None));
        Assert.Equal(["status.draft.approve", "status.draft"], (await Stores.Audit.QueryAsync(new AuditQuery(), None)).Select(e => e.Action));
    }

    [Fact]
    public async Task TheAuditEntryIsMadeOfWhatWasStored()
    {
        var draft = await Drafts.CreateAsync(Draft(), d => new AuditDraft(Now, "authority", "status.draft", d.Subject, null, null, "drafted", d.CaseRef), None);
        await Drafts.DecideAsync(draft.Id, approve: false, Guid.NewGuid(), "admin", Now.AddHours(1), "not needed",
            d => new AuditDraft(Now, "admin", "status.draft.reject", d.Subject, "pending", d.State.ToWireName(), d.DecisionReason!, d.CaseRef), None);
        var entries = await Stores.Audit.QueryAsync(new AuditQuery(Subject: draft.Subject), None);
        Assert.Equal([("rejected", "not needed"), (null, "drafted")], entries.Select(e => (e.After, e.Reason)));
    }

    [Fact]
    public async Task ADraftWhoseAuditEntryCannotBeWrittenIsNeitherMadeNorDecided()
    {
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Drafts.CreateAsync(Draft(), FailingAudit<StatusDraft>(), None));
        Assert.Empty(await Drafts.ListAsync(null, null, 10, None));

        var draft = await Drafts.CreateAsync(Draft(), Audited<StatusDraft>(), None);
        await Assert.ThrowsAsync<AuditWriteFailedException>(() =>
            Drafts.DecideAsync(draft.Id, approve: true, Guid.NewGuid(), "epidemiologist", Now.AddHours(1), null, FailingAudit<StatusDraft>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() =>
            Drafts.DecideAsync(draft.Id, approve: false, Guid.NewGuid(), "admin", Now.AddHours(1), "no", FailingAudit<StatusDraft>(), None));
        Assert.Equal(StatusDraftState.Pending, (await Drafts.GetAsync(draft.Id, None))!.State);
        Assert.Equal(1, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }
}

public sealed class EmbeddedStatusDraftStoreTests : StatusDraftStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresStatusDraftStoreTests : StatusDraftStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
