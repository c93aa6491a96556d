using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Server.Citizens;
using CityPass.Server.Identify;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>
/// What every <see cref="IIdentityStore"/> must do, run against each implementation: consents change with their history
/// entry (and only when something changes), disclosures read back newest first per citizen and per venue, and the purge
/// takes disclosures and changes but leaves consents. Also the citizen's birth year, which the age band is made from.
/// </summary>
public abstract class IdentityStoreContract : StoreContract
{
    private IIdentityStore Identity => Stores.Identity;

    private static readonly CitizenPseudonym Ann = new(0xA11CE);
    private static readonly CitizenPseudonym Bob = new(0xB0B);
    private static readonly Guid Library = Guid.Parse("6f1c1d0e-0000-4000-8000-0000000000a1");
    private static readonly Guid Clinic = Guid.Parse("6f1c1d0e-0000-4000-8000-0000000000c1");

    private static Disclosure DisclosureOf(CitizenPseudonym who, Guid venue, int minutes, IdentityClaims claims = IdentityClaims.MaskedName | IdentityClaims.AgeBand) =>
        new(Guid.NewGuid(), who, venue, venue == Library ? "Library" : "Clinic", venue == Library ? "library" : "clinic", Guid.NewGuid(), Guid.NewGuid(),
            "0123456789ABCDEF", claims, (claims & IdentityClaims.MaskedName) != 0 ? "A*n" : null, (claims & IdentityClaims.AgeBand) != 0 ? "30-44" : null,
            (claims & IdentityClaims.EIdVerified) != 0 ? true : null, Now.AddMinutes(minutes));

    [Fact]
    public async Task AConsentChangesWithItsHistoryEntryOnlyWhenSomethingChanges()
    {
        Assert.Null(await Identity.GetConsentAsync(Ann, "library", None));
        Assert.True(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "library", IdentityClaims.MaskedName, Now), None));
        Assert.False(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "library", IdentityClaims.MaskedName, Now.AddMinutes(1)), None));
        Assert.True(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "clinic", IdentityClaims.None, Now.AddMinutes(2)), None));
        Assert.True(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "library", IdentityClaims.MaskedName | IdentityClaims.EIdVerified, Now.AddMinutes(3)), None));
        Assert.True(await Identity.ChangeConsentAsync(new ConsentChange(Bob, "library", IdentityClaims.AgeBand, Now.AddMinutes(4)), None));

        Assert.Equal(new Consent(Ann, "library", IdentityClaims.MaskedName | IdentityClaims.EIdVerified, Now.AddMinutes(3)), await Identity.GetConsentAsync(Ann, "library", None));
        Assert.Equal([("clinic", IdentityClaims.None), ("library", IdentityClaims.MaskedName | IdentityClaims.EIdVerified)],
            (await Identity.ConsentsOfAsync(Ann, None)).Select(c => (c.VenueKind, c.Claims)));

        Assert.True(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "clinic", null, Now.AddMinutes(5)), None));
        Assert.False(await Identity.ChangeConsentAsync(new ConsentChange(Ann, "clinic", null, Now.AddMinutes(6)), None));
        Assert.Null(await Identity.GetConsentAsync(Ann, "clinic", None));
        Assert.Equal([("clinic", (IdentityClaims?)null), ("library", IdentityClaims.MaskedName | IdentityClaims.EIdVerified), ("clinic", IdentityClaims.None), ("library", IdentityClaims.MaskedName)],
            (await Identity.ConsentHistoryAsync(Ann, 10, None)).Select(c => (c.VenueKind, c.Claims)));
        Assert.Single(await Identity.ConsentHistoryAsync(Ann, 1, None));
        Assert.Equal([("library", (IdentityClaims?)IdentityClaims.AgeBand)], (await Identity.ConsentHistoryAsync(Bob, 10, None)).Select(c => (c.VenueKind, c.Claims)));
    }

    [Fact]
    public async Task DisclosuresReadBackNewestFirstPerCitizenAndPerVenue()
    {
        var first = DisclosureOf(Ann, Library, 0);
        var second = DisclosureOf(Ann, Clinic, 10, IdentityClaims.EIdVerified);
        var bobs = DisclosureOf(Bob, Library, 20, IdentityClaims.None);
        foreach (var d in new[] { first, second, bobs }) await Identity.RecordDisclosureAsync(d, None);

        Assert.Equal([second, first], await Identity.DisclosuresOfAsync(Ann, 10, None));
        Assert.Equal([second], await Identity.DisclosuresOfAsync(Ann, 1, None));
        Assert.Equal([bobs, first], await Identity.DisclosuresAtAsync(Library, null, null, 10, None));
        Assert.Equal([first], await Identity.DisclosuresAtAsync(Library, null, Now.AddMinutes(20), 10, None));
        Assert.Equal([bobs], await Identity.DisclosuresAtAsync(Library, Now.AddMinutes(20), null, 10, None));
        Assert.Empty(await Identity.DisclosuresAtAsync(Guid.NewGuid(), null, null, 10, None));
    }

    [Fact]
    public async Task ThePurgeTakesOldDisclosuresAndChangesAndLeavesConsents()
    {
        await Identity.ChangeConsentAsync(new ConsentChange(Ann, "library", IdentityClaims.MaskedName, Now), None);
        await Identity.RecordDisclosureAsync(DisclosureOf(Ann, Library, 0), None);
        var recent = DisclosureOf(Ann, Library, 60);
        await Identity.RecordDisclosureAsync(recent, None);

        Assert.Equal(0, await Identity.PurgeAsync(Now, None));
        Assert.Equal(2, await Identity.PurgeAsync(Now.AddMinutes(30), None));
        Assert.Equal([recent], await Identity.DisclosuresOfAsync(Ann, 10, None));
        Assert.Empty(await Identity.ConsentHistoryAsync(Ann, 10, None));
        Assert.NotNull(await Identity.GetConsentAsync(Ann, "library", None));
    }

    [Fact]
    public async Task ACitizensBirthYearIsStoredChangedAndClearedByUpserts()
    {
        var created = (await Stores.Citizens.UpsertManyAsync([new CitizenDraft("BY-1", "+8613700000001", "Ann", Credentials.None, 1988)], Now, None)).Single();
        Assert.Equal((UpsertOutcome.Created, (int?)1988), (created.Outcome, created.Citizen.BirthYear));
        Assert.Equal(1988, (await Stores.Citizens.GetAsync(created.Citizen.Id, None))!.BirthYear);

        var same = (await Stores.Citizens.UpsertManyAsync([new CitizenDraft("BY-1", "+8613700000001", "Ann", Credentials.None, 1988)], Now, None)).Single();
        Assert.Equal(UpsertOutcome.Unchanged, same.Outcome);
        var changed = (await Stores.Citizens.UpsertManyAsync([new CitizenDraft("BY-1", "+8613700000001", "Ann", Credentials.None, 1989)], Now, None)).Single();
        Assert.Equal((UpsertOutcome.Updated, (int?)1989), (changed.Outcome, changed.Citizen.BirthYear));
        var cleared = (await Stores.Citizens.UpsertManyAsync([new CitizenDraft("BY-1", "+8613700000001", "Ann", Credentials.None)], Now, None)).Single();
        Assert.Equal((UpsertOutcome.Updated, (int?)null), (cleared.Outcome, cleared.Citizen.BirthYear));
        Assert.Null((await Stores.Citizens.FindByExternalIdAsync("BY-1", None))!.BirthYear);
    }
}

public sealed class EmbeddedIdentityStoreTests : IdentityStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresIdentityStoreTests : IdentityStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
