using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Audit;
using CityPass.Server.Estates;
using CityPass.Server.Venues;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>
/// What every <see cref="IEstateStore"/> must do, run against each implementation: residents and visits change by the same
/// rules, each with the estate's ticket in the same step, and the visitor trail reads back and is purged alike.
/// </summary>
public abstract class EstateStoreContract : StoreContract
{
    private IEstateStore Estates => Stores.Estates;

    private static readonly CitizenPseudonym Ann = new(0xA11CE);
    private static readonly CitizenPseudonym Bob = new(0xB0B);
    private static readonly CitizenPseudonym Vic = new(0x71C);

    private async Task<Guid> EstateAsync() =>
        (await Stores.Venues.CreateVenueAsync(new Venue(Guid.NewGuid(), "Estate", EstateService.Kind, "", VenuePolicy.Default with { RequiresBooking = true }, Now), None)).Id;

    private Task<ResidentPushResult?> PushAsync(Guid venue, params ResidentChange[] changes) =>
        Estates.PushResidentsAsync(venue, changes, Now, Audited<ResidentPushResult>(EstateService.ResidentsAuditAction), None);

    private static ResidentChange Add(string unit, CitizenPseudonym who) => new(unit, who, Remove: false);

    private static ResidentChange Remove(string unit, CitizenPseudonym who) => new(unit, who, Remove: true);

    private static Visit VisitOf(Guid venue, string unit, CitizenPseudonym visitor, int fromHours = 0, int untilHours = 2, int createdMinutes = 0) =>
        new(Guid.NewGuid(), venue, unit, visitor, "V*", "Tea", Now.AddHours(fromHours), Now.AddHours(untilHours), VisitStatus.Pending, Now.AddMinutes(createdMinutes), null);

    private async Task<IReadOnlyList<TicketWindow>> AdmitsAsync(Guid venue, CitizenPseudonym who) =>
        [.. (await Stores.Tickets.CurrentAsync(venue, [who], Now, None)).Tickets.Select(t => t.Window)];

    [Fact]
    public async Task AResidentsPushAddsLeavesAloneAndRemovesWithTheirTicketsAndOneAuditEntry()
    {
        var estate = await EstateAsync();
        var first = await PushAsync(estate, Add("3-2-501", Ann), Add("3-2-501", Bob), Remove("1-1-101", Vic));
        Assert.Equal([ResidentChangeStatus.Added, ResidentChangeStatus.Added, ResidentChangeStatus.Unchanged], first!.Results.Select(r => r.Status));
        Assert.Equal([Ann, Bob], first.Affected);
        Assert.Equal([new TicketWindow(EstateTickets.ResidentFrom, EstateTickets.ResidentUntil, "3-2-501")], await AdmitsAsync(estate, Ann));

        var second = await PushAsync(estate, Add("3-2-501", Ann), Remove("3-2-501", Bob), Add("9-9-909", Ann));
        Assert.Equal([ResidentChangeStatus.Unchanged, ResidentChangeStatus.Removed, ResidentChangeStatus.Added], second!.Results.Select(r => r.Status));
        Assert.Empty(await AdmitsAsync(estate, Bob));
        Assert.Equal(["3-2-501", "9-9-909"], (await AdmitsAsync(estate, Ann)).Select(w => w.Seat).Order(StringComparer.Ordinal));

        Assert.Equal([("3-2-501", Ann), ("9-9-909", Ann)], (await Estates.ListResidentsAsync(estate, null, 10, None)).Select(r => (r.Unit, r.CitizenId)));
        Assert.Equal([("9-9-909", Ann)], (await Estates.ListResidentsAsync(estate, "9-9-909", 10, None)).Select(r => (r.Unit, r.CitizenId)));
        Assert.Equal(["3-2-501", "9-9-909"], (await Estates.HomesOfAsync(Ann, None)).Select(r => r.Unit));
        Assert.Empty(await Estates.HomesOfAsync(Bob, None));
        Assert.Equal(2, await Stores.Audit.CountAsync(new AuditQuery(Action: EstateService.ResidentsAuditAction), None));
    }

    [Fact]
    public async Task APushWhoseAuditEntryCannotBeWrittenStoresNothingAndAnUnknownVenueIsNull()
    {
        var estate = await EstateAsync();
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Estates.PushResidentsAsync(estate, [Add("3-2-501", Ann)], Now, FailingAudit<ResidentPushResult>(), None));
        Assert.Empty(await Estates.ListResidentsAsync(estate, null, 10, None));
        Assert.Empty(await AdmitsAsync(estate, Ann));
        Assert.Null(await Estates.PushResidentsAsync(Guid.NewGuid(), [Add("3-2-501", Ann)], Now, Audited<ResidentPushResult>(), None));
        Assert.Equal(0, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }

    [Fact]
    public async Task AVisitIsRegisteredOnlyToAListedUnitAndWithinTheVisitorsLimit()
    {
        var estate = await EstateAsync();
        await PushAsync(estate, Add("3-2-501", Ann));
        Assert.Equal(VisitRegistration.UnitUnknown, await Estates.RegisterVisitAsync(VisitOf(estate, "1-1-101", Vic), 2, Now, None));
        Assert.Equal(VisitRegistration.EstateNotFound, await Estates.RegisterVisitAsync(VisitOf(Guid.NewGuid(), "3-2-501", Vic), 2, Now, None));
        var visit = VisitOf(estate, "3-2-501", Vic);
        Assert.Equal(VisitRegistration.Registered, await Estates.RegisterVisitAsync(visit, 2, Now, None));
        Assert.Equal(visit, await Estates.GetVisitAsync(visit.Id, None));
        // An ended one does not count; a second open one does.
        Assert.Equal(VisitRegistration.Registered, await Estates.RegisterVisitAsync(VisitOf(estate, "3-2-501", Vic, -3, -1), 2, Now, None));
        Assert.Equal(VisitRegistration.Registered, await Estates.RegisterVisitAsync(VisitOf(estate, "3-2-501", Vic), 2, Now, None));
        Assert.Equal(VisitRegistration.TooMany, await Estates.RegisterVisitAsync(VisitOf(estate, "3-2-501", Vic), 2, Now, None));
        Assert.Empty(await AdmitsAsync(estate, Vic));
    }

    [Fact]
    public async Task OnlyAResidentOfTheUnitDecidesAndTheDecisionWritesTheVisitorsTicket()
    {
        var estate = await EstateAsync();
        await PushAsync(estate, Add("3-2-501", Ann), Add("5-1-302", Bob));
        var visit = VisitOf(estate, "3-2-501", Vic, 1, 3);
        await Estates.RegisterVisitAsync(visit, 5, Now, None);

        Assert.Equal((VisitDecision.NotFound, (Visit?)null), await Estates.DecideVisitAsync(visit.Id, Bob, approve: true, Now, None));
        Assert.Equal(VisitDecision.NotFound, (await Estates.DecideVisitAsync(Guid.NewGuid(), Ann, approve: true, Now, None)).Decision);

        var (approved, after) = await Estates.DecideVisitAsync(visit.Id, Ann, approve: true, Now, None);
        Assert.Equal((VisitDecision.Approved, VisitStatus.Approved, Now), (approved, after!.Status, after.DecidedAt));
        Assert.Equal([new TicketWindow(Now.AddHours(1), Now.AddHours(3), EstateTickets.VisitorSeat("3-2-501"))], await AdmitsAsync(estate, Vic));
        Assert.Equal(VisitDecision.Unchanged, (await Estates.DecideVisitAsync(visit.Id, Ann, approve: true, Now, None)).Decision);

        Assert.Equal(VisitDecision.Declined, (await Estates.DecideVisitAsync(visit.Id, Ann, approve: false, Now, None)).Decision);
        Assert.Empty(await AdmitsAsync(estate, Vic));
        Assert.Equal(VisitStatus.Declined, (await Estates.GetVisitAsync(visit.Id, None))!.Status);
        Assert.Equal(VisitDecision.AlreadyDeclined, (await Estates.DecideVisitAsync(visit.Id, Ann, approve: true, Now, None)).Decision);
        Assert.Equal(VisitDecision.Ended, (await Estates.DecideVisitAsync(visit.Id, Ann, approve: false, Now.AddHours(3), None)).Decision);
    }

    [Fact]
    public async Task TheTrailIsNewestFirstPerEstateAndThePurgeTakesEndedVisitsWithTheirTickets()
    {
        var estate = await EstateAsync();
        var other = await EstateAsync();
        await PushAsync(estate, Add("3-2-501", Ann));
        await PushAsync(other, Add("3-2-501", Bob));
        var old = VisitOf(estate, "3-2-501", Vic, -30, -20, createdMinutes: -31 * 60);
        var recent = VisitOf(estate, "3-2-501", Vic, 0, 2, createdMinutes: 1);
        var elsewhere = VisitOf(other, "3-2-501", Vic, 0, 2, createdMinutes: 2);
        foreach (var v in new[] { old, recent, elsewhere }) Assert.Equal(VisitRegistration.Registered, await Estates.RegisterVisitAsync(v, 5, Now.AddHours(-31), None));
        await Estates.DecideVisitAsync(recent.Id, Ann, approve: true, Now, None);

        Assert.Equal([recent.Id, old.Id], (await Estates.TrailAsync(estate, null, null, 10, None)).Select(v => v.Id));
        Assert.Equal([recent.Id], (await Estates.TrailAsync(estate, Now, null, 10, None)).Select(v => v.Id));
        Assert.Equal([old.Id], (await Estates.TrailAsync(estate, null, Now, 10, None)).Select(v => v.Id));
        Assert.Equal([recent.Id], (await Estates.TrailAsync(estate, null, null, 1, None)).Select(v => v.Id));
        Assert.Equal([elsewhere.Id, recent.Id, old.Id], (await Estates.VisitsOfAsync(Vic, 10, None)).Select(v => v.Id));
        Assert.Equal([recent.Id, old.Id], (await Estates.VisitsToAsync(Ann, 10, None)).Select(v => v.Id));
        Assert.Equal([elsewhere.Id], (await Estates.VisitsToAsync(Bob, 10, None)).Select(v => v.Id));

        Assert.Equal(1, await Estates.PurgeVisitsAsync(Now.AddHours(-10), None));
        Assert.Null(await Estates.GetVisitAsync(old.Id, None));
        Assert.Equal(2, await Estates.PurgeVisitsAsync(Now.AddHours(3), None));
        Assert.Empty(await Estates.VisitsOfAsync(Vic, 10, None));
        Assert.Null(await Stores.Tickets.GetAsync(estate, EstateTickets.VisitBookingId(recent.Id), None));
        // Residents stay.
        Assert.Single(await Estates.ListResidentsAsync(estate, null, 10, None));
    }
}

public sealed class EmbeddedEstateStoreTests : EstateStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresEstateStoreTests : EstateStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
