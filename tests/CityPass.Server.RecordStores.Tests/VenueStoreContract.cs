using System.Security.Cryptography;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="IVenueStore"/> must do, run against each implementation.</summary>
public abstract class VenueStoreContract : StoreContract
{
    private IVenueStore Venues => Stores.Venues;

    private static Venue NewVenue(string name = "City Library", VenuePolicy? policy = null) =>
        new(Guid.NewGuid(), name, "library", "1 Renmin Rd", policy ?? VenuePolicy.Default, Now);

    private static Gate NewGate(Guid venueId, string name = "North 1") => new(Guid.NewGuid(), venueId, name, Now, null);

    private static GateCredential NewCredential() => new(SHA256.HashData(RandomNumberGenerator.GetBytes(32)), Now, null);

    /// <summary>Policies hold lists, so records compare them by reference: compare their stored form.</summary>
    private static void AssertSameVenue(Venue expected, Venue? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Policy = VenuePolicy.Default }, actual with { Policy = VenuePolicy.Default });
        Assert.Equal(VenuePolicyDocument.From(expected.Policy).ToJson(), VenuePolicyDocument.From(actual.Policy).ToJson());
    }

    private static void AssertSameGate(Gate expected, Gate? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Credential = null }, actual with { Credential = null });
        Assert.Equal(expected.Credential is null, actual.Credential is null);
        if (expected.Credential is { } c)
        {
            Assert.Equal(c.SecretHash, actual.Credential!.SecretHash);
            Assert.Equal((c.IssuedAt, c.RevokedAt), (actual.Credential.IssuedAt, actual.Credential.RevokedAt));
        }
    }

    [Fact]
    public async Task AVenueIsCreatedReadUpdatedAndDeleted()
    {
        var venue = NewVenue();
        AssertSameVenue(venue, await Venues.CreateVenueAsync(venue, None));
        AssertSameVenue(venue, await Venues.GetVenueAsync(venue.Id, None));

        var renamed = venue with { Name = "Central Library", Kind = "archive", Address = "2 Renmin Rd", Policy = VenuePolicy.Default with { Capacity = 5 } };
        var updated = await Venues.UpdateVenueAsync(renamed, None);

        // Update changes name, kind and address, never the policy.
        AssertSameVenue(renamed with { Policy = venue.Policy }, updated);
        AssertSameVenue(renamed with { Policy = venue.Policy }, await Venues.GetVenueAsync(venue.Id, None));
        Assert.True(await Venues.DeleteVenueAsync(venue.Id, None));
        Assert.Null(await Venues.GetVenueAsync(venue.Id, None));
        Assert.False(await Venues.DeleteVenueAsync(venue.Id, None));
    }

    [Fact]
    public async Task MissingVenuesAreNotUpdatedAndCreatingAnExistingIdFails()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);

        Assert.Null(await Venues.UpdateVenueAsync(NewVenue(), None));
        Assert.Null(await Venues.SetPolicyAsync(Guid.NewGuid(), VenuePolicy.Default, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Venues.CreateVenueAsync(venue with { Name = "again" }, None));
        Assert.Equal("City Library", (await Venues.GetVenueAsync(venue.Id, None))?.Name);
    }

    [Fact]
    public async Task APolicyIsStoredWithEveryRule()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);
        var policy = new VenuePolicy
        {
            AllowedColours = StatusColours.Green | StatusColours.Yellow,
            RequiredCredentials = Credentials.SocialSecurityCard | Credentials.EIdVerified,
            Capacity = 120,
            AntiPassback = false,
            RequiresBooking = true,
            Hours = new OpeningHours("Asia/Shanghai", [new OpeningPeriod(DayOfWeek.Friday, new TimeOnly(18, 0), new TimeOnly(2, 0))]),
        };

        var updated = await Venues.SetPolicyAsync(venue.Id, policy, None);

        AssertSameVenue(venue with { Policy = policy }, updated);
        var stored = (await Venues.GetVenueAsync(venue.Id, None))!.Policy;
        Assert.Equal(VenuePolicyDocument.From(policy).ToJson(), VenuePolicyDocument.From(stored).ToJson());
        Assert.True(stored.Hours!.IsOpenAt(new DateTimeOffset(2026, 11, 21, 1, 0, 0, TimeSpan.FromHours(8))));
    }

    [Fact]
    public async Task VenuesListByNameThenIdAndCanBeNarrowedToSomeIds()
    {
        var b = await Venues.CreateVenueAsync(NewVenue("B theatre"), None);
        var clinics = new List<Venue>();
        for (var i = 0; i < 6; i++) clinics.Add(await Venues.CreateVenueAsync(NewVenue("A clinic"), None));
        var c = await Venues.CreateVenueAsync(NewVenue("C stadium"), None);

        var all = await Venues.ListVenuesAsync(null, None);
        var some = await Venues.ListVenuesAsync([c.Id, b.Id, Guid.NewGuid()], None);

        // Ties on name go by id in uuid (RFC byte) order, as PostgreSQL orders uuid.
        var expected = clinics.OrderBy(v => v.Id, Comparer<Guid>.Create(ScanCursor.CompareIds)).Select(v => v.Id).Append(b.Id).Append(c.Id);
        Assert.Equal(expected, all.Select(v => v.Id));
        Assert.Equal([b.Id, c.Id], some.Select(v => v.Id));
        Assert.Empty(await Venues.ListVenuesAsync([], None));
    }

    [Fact]
    public async Task GatesBelongToAnExistingVenueAndListByName()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);
        var other = await Venues.CreateVenueAsync(NewVenue("Pool"), None);
        var south = NewGate(venue.Id, "South") with { Credential = NewCredential() };
        var north = NewGate(venue.Id, "North");
        var pool = NewGate(other.Id, "Entrance");

        AssertSameGate(south, await Venues.CreateGateAsync(south, None));
        AssertSameGate(north, await Venues.CreateGateAsync(north, None));
        AssertSameGate(pool, await Venues.CreateGateAsync(pool, None));
        Assert.Null(await Venues.CreateGateAsync(NewGate(Guid.NewGuid()), None));

        Assert.Equal([north.Id, south.Id], (await Venues.ListGatesAsync(venue.Id, None)).Select(g => g.Id));
        Assert.Equal([pool.Id, north.Id, south.Id], (await Venues.ListAllGatesAsync(None)).Select(g => g.Id));
        AssertSameGate(south, await Venues.GetGateAsync(south.Id, None));
        Assert.Null(await Venues.GetGateAsync(Guid.NewGuid(), None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Venues.CreateGateAsync(north, None));
    }

    [Fact]
    public async Task AGateIsRenamedAndDeleted()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);
        var gate = (await Venues.CreateGateAsync(NewGate(venue.Id) with { Credential = NewCredential() }, None))!;

        var renamed = await Venues.UpdateGateAsync(gate with { Name = "West", VenueId = Guid.NewGuid(), Credential = null }, None);

        // Only the name changes.
        AssertSameGate(gate with { Name = "West" }, renamed);
        Assert.Null(await Venues.UpdateGateAsync(NewGate(venue.Id), None));
        Assert.True(await Venues.DeleteGateAsync(gate.Id, None));
        Assert.False(await Venues.DeleteGateAsync(gate.Id, None));
        Assert.Empty(await Venues.ListGatesAsync(venue.Id, None));
    }

    [Fact]
    public async Task AGateCredentialIsIssuedReplacedAndRevokedButKeptForTheRecord()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);
        var gate = (await Venues.CreateGateAsync(NewGate(venue.Id), None))!;
        var first = NewCredential();
        var second = NewCredential() with { IssuedAt = Now.AddDays(1) };

        AssertSameGate(gate with { Credential = first }, await Venues.SetGateCredentialAsync(gate.Id, first, None));
        AssertSameGate(gate with { Credential = second }, await Venues.SetGateCredentialAsync(gate.Id, second, None));
        var revoked = second with { RevokedAt = Now.AddDays(2) };
        var afterRevoke = await Venues.SetGateCredentialAsync(gate.Id, revoked, None);

        AssertSameGate(gate with { Credential = revoked }, afterRevoke);
        Assert.False((await Venues.GetGateAsync(gate.Id, None))!.Credential!.IsActive);
        Assert.Null(await Venues.SetGateCredentialAsync(Guid.NewGuid(), first, None));
    }

    [Fact]
    public async Task BookingsAreAddedOnceListedInOrderByVenueAndByCitizenAndRemoved()
    {
        // Written through the citizen store (a citizen's grain is their single writer), listed by either side.
        var citizens = Stores.Citizens;
        var (venue, other) = (await Venues.CreateVenueAsync(NewVenue(), None), await Venues.CreateVenueAsync(NewVenue("Pool"), None));
        var (a, b) = (CitizenPseudonym.NewRandom(), CitizenPseudonym.NewRandom());

        Assert.True(await citizens.AddBookingAsync(new Booking(venue.Id, a, Now.AddMinutes(2)), None));
        Assert.True(await citizens.AddBookingAsync(new Booking(venue.Id, b, Now.AddMinutes(1)), None));
        Assert.True(await citizens.AddBookingAsync(new Booking(other.Id, a, Now), None));
        Assert.False(await citizens.AddBookingAsync(new Booking(venue.Id, a, Now.AddMinutes(3)), None));
        Assert.False(await citizens.AddBookingAsync(new Booking(Guid.NewGuid(), a, Now), None));

        Assert.Equal([new Booking(venue.Id, b, Now.AddMinutes(1)), new Booking(venue.Id, a, Now.AddMinutes(2))], await Venues.ListBookingsAsync(venue.Id, None));
        Assert.Equal([new Booking(other.Id, a, Now), new Booking(venue.Id, a, Now.AddMinutes(2))], await citizens.ListBookingsAsync(a, None));
        Assert.True(await citizens.RemoveBookingAsync(venue.Id, a, None));
        Assert.False(await citizens.RemoveBookingAsync(venue.Id, a, None));
        Assert.Equal([new Booking(venue.Id, b, Now.AddMinutes(1))], await Venues.ListBookingsAsync(venue.Id, None));
        Assert.Equal([new Booking(other.Id, a, Now)], await citizens.ListBookingsAsync(a, None));
    }

    [Fact]
    public async Task DeletingAVenueTakesItsGatesAndBookingsButNotItsScans()
    {
        var venue = await Venues.CreateVenueAsync(NewVenue(), None);
        var keep = await Venues.CreateVenueAsync(NewVenue("Pool"), None);
        var gate = (await Venues.CreateGateAsync(NewGate(venue.Id), None))!;
        var kept = (await Venues.CreateGateAsync(NewGate(keep.Id), None))!;
        var citizen = CitizenPseudonym.NewRandom();
        await Stores.Citizens.AddBookingAsync(new Booking(venue.Id, citizen, Now), None);
        await Stores.Citizens.AddBookingAsync(new Booking(keep.Id, citizen, Now), None);
        var scan = Scan(Now, venueId: venue.Id, gateId: gate.Id, citizenId: citizen);
        await Stores.Scans.InsertAsync([scan], None);

        Assert.True(await Venues.DeleteVenueAsync(venue.Id, None));

        Assert.Null(await Venues.GetGateAsync(gate.Id, None));
        Assert.Empty(await Venues.ListBookingsAsync(venue.Id, None));
        Assert.Equal([kept.Id], (await Venues.ListAllGatesAsync(None)).Select(g => g.Id));
        Assert.Single(await Venues.ListBookingsAsync(keep.Id, None));
        Assert.Equal([keep.Id], (await Stores.Citizens.ListBookingsAsync(citizen, None)).Select(b => b.VenueId));
        Assert.Equal(scan, await Stores.Scans.GetAsync(scan.GateId, scan.ScanId, DateTimeOffset.MinValue, None));
    }
}

public sealed class EmbeddedVenueStoreTests : VenueStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresVenueStoreTests : VenueStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
