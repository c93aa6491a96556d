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

        AssertSameOperator(op, await Operators.CreateAsync(op, None));

        AssertSameOperator(op, await Operators.GetAsync(op.Id, None));
        AssertSameOperator(op, await Operators.FindByUsernameAsync("li.wei", None));
        AssertSameOperator(op, await Operators.FindByUsernameAsync("LI.WEI", None));
        Assert.Null(await Operators.FindByUsernameAsync("li.wei2", None));
        Assert.Null(await Operators.GetAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task AUsernameTakenInAnotherCaseCannotBeCreated()
    {
        await Operators.CreateAsync(NewOperator("admin", OperatorRole.CityAdmin), None);

        Assert.Null(await Operators.CreateAsync(NewOperator("ADMIN"), None));
        Assert.Null(await Operators.CreateAsync(NewOperator("Admin"), None));
        Assert.Single(await Operators.ListAsync(None));
    }

    [Fact]
    public async Task OperatorsListByUsernameIgnoringCase()
    {
        foreach (var name in new[] { "zhao", "Bai", "a_li", "AAB", "chen" }) await Operators.CreateAsync(NewOperator(name), None);

        // Ordinal ignoring case: compared in upper case, so '_' (0x5F) sorts after the letters.
        Assert.Equal(["AAB", "a_li", "Bai", "chen", "zhao"], (await Operators.ListAsync(None)).Select(o => o.Username));
    }

    [Fact]
    public async Task AnUpdateReplacesTheAccountButNotWithSomeoneElsesUsername()
    {
        var op = (await Operators.CreateAsync(NewOperator("wang"), None))!;
        await Operators.CreateAsync(NewOperator("zhang"), None);
        var venue = Guid.NewGuid();

        var changed = op with { Username = "Wang", DisplayName = "Wang Fang", PasswordHash = "new-hash", Role = OperatorRole.HealthAuthority, VenueIds = [venue] };
        AssertSameOperator(changed, await Operators.UpdateAsync(changed, None));
        AssertSameOperator(changed, await Operators.FindByUsernameAsync("wang", None));

        Assert.Null(await Operators.UpdateAsync(changed with { Username = "ZHANG" }, None));
        AssertSameOperator(changed, await Operators.GetAsync(op.Id, None));
        Assert.Null(await Operators.UpdateAsync(NewOperator("ghost"), None));
        Assert.Null(await Operators.FindByUsernameAsync("ghost", None));
    }

    [Fact]
    public async Task TheSecurityStampIsStoredAndReplacedByAnUpdate()
    {
        var op = (await Operators.CreateAsync(NewOperator("zhou"), None))!;
        Assert.Equal(32, op.SecurityStamp.Length);
        Assert.Equal(op.SecurityStamp, (await Operators.GetAsync(op.Id, None))!.SecurityStamp);

        var restamped = op with { SecurityStamp = Operator.NewStamp() };
        Assert.NotEqual(op.SecurityStamp, restamped.SecurityStamp);
        await Operators.UpdateAsync(restamped, None);
        Assert.Equal(restamped.SecurityStamp, (await Operators.GetAsync(op.Id, None))!.SecurityStamp);
        Assert.Equal(restamped.SecurityStamp, (await Operators.FindByUsernameAsync("ZHOU", None))!.SecurityStamp);
        Assert.Equal(restamped.SecurityStamp, (await Operators.ListAsync(None)).Single().SecurityStamp);
    }

    [Fact]
    public async Task ADeletedOperatorIsGoneAndItsUsernameIsFreeAgain()
    {
        var op = (await Operators.CreateAsync(NewOperator("sun"), None))!;

        Assert.True(await Operators.DeleteAsync(op.Id, None));
        Assert.False(await Operators.DeleteAsync(op.Id, None));
        Assert.Null(await Operators.GetAsync(op.Id, None));
        Assert.NotNull(await Operators.CreateAsync(NewOperator("SUN"), None));
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
