using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Operators;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IOperatorStore"/> must do, run against each implementation.</summary>
public abstract class OperatorStoreContract : StoreContract
{
    private IOperatorStore Operators => Stores.Operators;

    private static Operator NewOperator(string username, OperatorRole role = OperatorRole.VenueOperator, params Guid[] venues) =>
        new(Guid.NewGuid(), username, "Display " + username, "AQAAAAIAAYagAAAAE" + username, role, venues, Now);

    private static void AssertSameOperator(Operator expected, Operator? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { VenueIds = [] }, actual with { VenueIds = [] });
        Assert.Equal(expected.VenueIds, actual.VenueIds);
    }

    [Fact]
    public async Task AnOperatorIsCreatedAndFoundByIdOrByUsernameInAnyCase()
    {
        var venues = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        var op = NewOperator("Li.Wei", OperatorRole.VenueOperator, venues);

        AssertSameOperator(op, await Operators.CreateAsync(op, Audited<Operator>(), None));

        AssertSameOperator(op, await Operators.GetAsync(op.Id, None));
        AssertSameOperator(op, await Operators.FindByUsernameAsync("li.wei", None));
        AssertSameOperator(op, await Operators.FindByUsernameAsync("LI.WEI", None));
        Assert.Null(await Operators.FindByUsernameAsync("li.wei2", None));
        Assert.Null(await Operators.GetAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task EachChangeIsWrittenWithItsAuditEntryAndARefusedOneWithNone()
    {
        var op = (await Operators.CreateAsync(NewOperator("qian"), Audited<Operator>("operator.create"), None))!;
        Assert.Null(await Operators.CreateAsync(NewOperator("QIAN"), Audited<Operator>("operator.create"), None));
        var other = (await Operators.CreateAsync(NewOperator("sun"), Audited<Operator>("operator.create"), None))!;
        Assert.Null(await Operators.UpdateAsync(op with { Username = "SUN" }, Audited<Operator>("operator.update"), None));
        await Operators.UpdateAsync(op with { DisplayName = "Qian Lei" }, Audited<Operator>("operator.update"), None);
        Assert.Null(await Operators.UpdateAsync(NewOperator("ghost"), Audited<Operator>("operator.update"), None));
        await Operators.DeleteAsync(op.Id, Audited<Operator>("operator.delete"), None);
        Assert.Null(await Operators.DeleteAsync(op.Id, Audited<Operator>("operator.delete"), None));
        Assert.NotNull(await Operators.GetAsync(other.Id, None));
        Assert.Equal(["operator.delete", "operator.update", "operator.create", "operator.create"], (await Stores.Audit.QueryAsync(new AuditQuery(), None)).Select(e => e.Action));
    }

    [Fact]
    public async Task AChangeWhoseAuditEntryCannotBeWrittenIsNotMade()
    {
        var refused = NewOperator("li");
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Operators.CreateAsync(refused, FailingAudit<Operator>(), None));
        Assert.Empty(await Operators.ListAsync(None));
        Assert.Null(await Operators.GetAsync(refused.Id, None));

        var op = (await Operators.CreateAsync(NewOperator("zhao"), Audited<Operator>(), None))!;
        var changed = op with { Role = OperatorRole.CityAdmin, VenueIds = [], SecurityStamp = Operator.NewStamp(), DisabledAt = Now };
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Operators.UpdateAsync(changed, FailingAudit<Operator>(), None));
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Operators.DeleteAsync(op.Id, FailingAudit<Operator>(), None));
        AssertSameOperator(op, await Operators.GetAsync(op.Id, None));
        Assert.Equal(1, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task AUsernameTakenInAnotherCaseCannotBeCreated()
    {
        await Operators.CreateAsync(NewOperator("admin", OperatorRole.CityAdmin), Audited<Operator>(), None);

        Assert.Null(await Operators.CreateAsync(NewOperator("ADMIN"), Audited<Operator>(), None));
        Assert.Null(await Operators.CreateAsync(NewOperator("Admin"), Audited<Operator>(), None));
        Assert.Single(await Operators.ListAsync(None));
    }

    [Fact]
    public async Task OperatorsListByUsernameIgnoringCase()
    {
        foreach (var name in new[] { "zhao", "Bai", "a_li", "AAB", "chen" }) await Operators.CreateAsync(NewOperator(name), Audited<Operator>(), None);

        // Ordinal ignoring case: compared in upper case, so '_' (0x5F) sorts after the letters.
        Assert.Equal(["AAB", "a_li", "Bai", "chen", "zhao"], (await Operators.ListAsync(None)).Select(o => o.Username));
    }

    [Fact]
    public async Task AnUpdateReplacesTheAccountButNotWithSomeoneElsesUsername()
    {
        var op = (await Operators.CreateAsync(NewOperator("wang"), Audited<Operator>(), None))!;
        await Operators.CreateAsync(NewOperator("zhang"), Audited<Operator>(), None);
        var venue = Guid.NewGuid();

        var changed = op with { Username = "Wang", DisplayName = "Wang Fang", PasswordHash = "new-hash", Role = OperatorRole.HealthAuthority, VenueIds = [venue] };
        AssertSameOperator(changed, await Operators.UpdateAsync(changed, Audited<Operator>(), None));
        AssertSameOperator(changed, await Operators.FindByUsernameAsync("wang", None));

        Assert.Null(await Operators.UpdateAsync(changed with { Username = "ZHANG" }, Audited<Operator>(), None));
        AssertSameOperator(changed, await Operators.GetAsync(op.Id, None));
        Assert.Null(await Operators.UpdateAsync(NewOperator("ghost"), Audited<Operator>(), None));
        Assert.Null(await Operators.FindByUsernameAsync("ghost", None));
    }

    [Fact]
    public async Task TheSecurityStampIsStoredAndReplacedByAnUpdate()
    {
        var op = (await Operators.CreateAsync(NewOperator("zhou"), Audited<Operator>(), None))!;
        Assert.Equal(32, op.SecurityStamp.Length);
        Assert.Equal(op.SecurityStamp, (await Operators.GetAsync(op.Id, None))!.SecurityStamp);

        var restamped = op with { SecurityStamp = Operator.NewStamp() };
        Assert.NotEqual(op.SecurityStamp, restamped.SecurityStamp);
        await Operators.UpdateAsync(restamped, Audited<Operator>(), None);
        Assert.Equal(restamped.SecurityStamp, (await Operators.GetAsync(op.Id, None))!.SecurityStamp);
        Assert.Equal(restamped.SecurityStamp, (await Operators.FindByUsernameAsync("ZHOU", None))!.SecurityStamp);
        Assert.Equal(restamped.SecurityStamp, (await Operators.ListAsync(None)).Single().SecurityStamp);
    }

    [Fact]
    public async Task ADeletedOperatorIsGoneAndItsUsernameIsFreeAgain()
    {
        var op = (await Operators.CreateAsync(NewOperator("sun"), Audited<Operator>(), None))!;

        AssertSameOperator(op, await Operators.DeleteAsync(op.Id, Audited<Operator>(), None));
        Assert.Null(await Operators.DeleteAsync(op.Id, Audited<Operator>(), None));
        Assert.Null(await Operators.GetAsync(op.Id, None));
        Assert.NotNull(await Operators.CreateAsync(NewOperator("SUN"), Audited<Operator>(), None));
    }
}

public sealed class EmbeddedOperatorStoreTests : OperatorStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresOperatorStoreTests : OperatorStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
