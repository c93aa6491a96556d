using CityPass.Server.Audit;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IAuditLog"/> must do, run against each implementation.</summary>
public abstract class AuditLogContract : StoreContract
{
    private IAuditLog Audit => Stores.Audit;

    private static AuditDraft Draft(int i, string subject = "venue:1", string actor = "admin", string action = "venue.update", DateTimeOffset? at = null) =>
        new(at ?? Now.AddMinutes(i), actor, action, subject, "before " + i, i % 2 == 0 ? null : "after " + i, "reason " + i, i % 3 == 0 ? null : "CASE-" + i);

    [Fact]
    public async Task AppendsGetConsecutiveSequencesAndEachHashCoversThePreviousOne()
    {
        var entries = new List<AuditEntry>();
        for (var i = 1; i <= 3; i++) entries.Add(await Audit.AppendAsync(Draft(i), None));

        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal(AuditChain.Seal(Draft(1), 1, AuditChain.Genesis), entries[0]);
        Assert.Equal(entries[0].Hash, entries[1].PreviousHash);
        Assert.Equal(entries[1].Hash, entries[2].PreviousHash);
        Assert.Equal(entries, await Audit.ReadAllAsync(None).ToListAsync());
        Assert.Null(AuditChain.FindBreak(entries, AuditChain.Genesis));
    }

    [Fact]
    public async Task ConcurrentAppendsNeverForkTheChainAndReadAllReturnsEveryEntryInOrder()
    {
        // More than a thousand, so a reader that pages has to page.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 175; i++) await Audit.AppendAsync(Draft(i, subject: "worker:" + worker), None);
        })));

        var chain = await Audit.ReadAllAsync(None).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 1_050).Select(s => (long)s), chain.Select(e => e.Sequence));
        Assert.Null(AuditChain.FindBreak(chain, AuditChain.Genesis));
    }

    [Fact]
    public async Task AnEntryStampedFinerThanAMicrosecondStillVerifies()
    {
        await Audit.AppendAsync(Draft(1, at: Now.AddTicks(1_234_567)), None);
        await Audit.AppendAsync(Draft(2, at: new DateTimeOffset(2026, 11, 21, 16, 30, 0, TimeSpan.FromHours(8)).AddTicks(3)), None);

        Assert.Null(AuditChain.FindBreak(await Audit.ReadAllAsync(None).ToListAsync(), AuditChain.Genesis));
    }

    [Fact]
    public async Task AChangedEntryIsFoundByTheChainCheck()
    {
        for (var i = 1; i <= 5; i++) await Audit.AppendAsync(Draft(i), None);

        await Stores.RewriteAuditEntryAsync(3, e => e with { Reason = "nothing to see here" });

        Assert.Equal(3, AuditChain.FindBreak(await Audit.ReadAllAsync(None).ToListAsync(), AuditChain.Genesis));
    }

    [Fact]
    public async Task ADeletedEntryIsFoundByTheChainCheck()
    {
        for (var i = 1; i <= 5; i++) await Audit.AppendAsync(Draft(i), None);

        await Stores.RewriteAuditEntryAsync(3, _ => null);

        Assert.Equal(4, AuditChain.FindBreak(await Audit.ReadAllAsync(None).ToListAsync(), AuditChain.Genesis));
    }

    [Fact]
    public async Task QueriesFilterBySubjectActorActionAndTimeNewestFirst()
    {
        await Audit.AppendAsync(Draft(1, subject: "citizen:a", actor: "li"), None);
        await Audit.AppendAsync(Draft(2, subject: "citizen:b", actor: "li", action: "citizen.status.change"), None);
        await Audit.AppendAsync(Draft(3, subject: "citizen:a", actor: "wang"), None);
        await Audit.AppendAsync(Draft(4, subject: "citizen:a", actor: "li", action: "citizen.status.change"), None);

        await AssertSequences([4L, 3L, 1L], new AuditQuery(Subject: "citizen:a"));
        await AssertSequences([4L, 2L, 1L], new AuditQuery(Actor: "li"));
        await AssertSequences([4L, 2L], new AuditQuery(Action: "citizen.status.change"));
        await AssertSequences([4L], new AuditQuery(Subject: "citizen:a", Actor: "li", Action: "citizen.status.change"));
        // From inclusive, To exclusive.
        await AssertSequences([3L, 2L], new AuditQuery(From: Now.AddMinutes(2), To: Now.AddMinutes(4)));
        await AssertSequences([], new AuditQuery(Subject: "citizen:nobody"));
    }

    [Fact]
    public async Task QueriesPageBackwardsBySequenceWithinTheLimit()
    {
        for (var i = 1; i <= 7; i++) await Audit.AppendAsync(Draft(i), None);

        await AssertSequences([7L, 6L, 5L], new AuditQuery(Limit: 3));
        await AssertSequences([4L, 3L, 2L], new AuditQuery(BeforeSequence: 5, Limit: 3));
        await AssertSequences([1L], new AuditQuery(BeforeSequence: 2, Limit: 3));
        await AssertSequences([7L], new AuditQuery(Limit: 0));
    }

    [Fact]
    public async Task QueriesFilterByCaseNewestFirst()
    {
        for (var i = 1; i <= 6; i++) await Audit.AppendAsync(Draft(i) with { CaseRef = i % 2 == 0 ? "C-2026-000001" : i == 5 ? "C-2026-000002" : null }, None);

        await AssertSequences([6L, 4L, 2L], new AuditQuery(CaseRef: "C-2026-000001"));
        await AssertSequences([4L], new AuditQuery(CaseRef: "C-2026-000001", BeforeSequence: 6, Limit: 1));
        await AssertSequences([5L], new AuditQuery(CaseRef: "C-2026-000002", Action: "venue.update"));
        await AssertSequences([], new AuditQuery(CaseRef: "C-2026-000001", Action: "citizen.status.change"));
        await AssertSequences([], new AuditQuery(CaseRef: "c-2026-000001"));
    }

    [Fact]
    public async Task AQueryReturnsEntriesExactlyAsAppended()
    {
        var appended = await Audit.AppendAsync(Draft(6), None);

        Assert.Equal([appended], await Audit.QueryAsync(new AuditQuery(), None));
        Assert.Null(appended.After);
        Assert.Null(appended.CaseRef);
    }

    private async Task AssertSequences(long[] expected, AuditQuery query) => Assert.Equal(expected, (await Audit.QueryAsync(query, None)).Select(e => e.Sequence));
}

public sealed class EmbeddedAuditLogTests : AuditLogContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresAuditLogTests : AuditLogContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
