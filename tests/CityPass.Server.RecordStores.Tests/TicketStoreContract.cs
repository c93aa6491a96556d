using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Audit;
using CityPass.Server.Ticketing;
using CityPass.Server.Venues;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>What every <see cref="ITicketStore"/> must do, run against each implementation: both apply a push by the same rule and read it back alike.</summary>
public abstract class TicketStoreContract : StoreContract
{
    private ITicketStore Tickets => Stores.Tickets;

    private static readonly CitizenPseudonym Ann = new(0xA11CE);
    private static readonly CitizenPseudonym Bob = new(0xB0B);

    private async Task<Guid> VenueAsync() =>
        (await Stores.Venues.CreateVenueAsync(new Venue(Guid.NewGuid(), "Theatre", "theatre", "", VenuePolicy.Default with { RequiresBooking = true }, Now), None)).Id;

    private static TicketChange Book(string id, CitizenPseudonym who, string seat, int fromHours = 0, int untilHours = 3) =>
        new(id, who, seat, Now.AddHours(fromHours), Now.AddHours(untilHours), Cancel: false);

    private static TicketChange CancelOf(string id) => new(id, default, "", default, default, Cancel: true);

    private Task<TicketPushResult?> PushAsync(Guid venue, params TicketChange[] changes) => Tickets.PushAsync(venue, changes, Now, Audited<TicketPushResult>("venue.tickets.push"), None);

    [Fact]
    public async Task APushCreatesUpdatesLeavesAloneAndCancelsByTheBookingId()
    {
        var venue = await VenueAsync();
        var first = await PushAsync(venue, Book("T1", Ann, "A-1"), Book("T2", Bob, "B-2"));
        Assert.Equal([TicketChangeStatus.Created, TicketChangeStatus.Created], first!.Results.Select(r => r.Status));

        var second = await PushAsync(venue, Book("T1", Ann, "A-1"), Book("T2", Ann, "B-3"), CancelOf("T3"));
        Assert.Equal([TicketChangeStatus.Unchanged, TicketChangeStatus.Updated, TicketChangeStatus.NotFound], second!.Results.Select(r => r.Status));
        // The booking moved from Bob to Ann: both copies change.
        Assert.Equal([Bob, Ann], second.Results[1].Affected);

        var third = await PushAsync(venue, CancelOf("T1"), CancelOf("T1x"));
        Assert.Equal([TicketChangeStatus.Cancelled, TicketChangeStatus.NotFound], third!.Results.Select(r => r.Status));
        Assert.Equal(TicketChangeStatus.Unchanged, (await PushAsync(venue, CancelOf("T1")))!.Results[0].Status);

        var t2 = await Tickets.GetAsync(venue, "T2", None);
        Assert.Equal((Ann, "B-3", Now.AddHours(3), false), (t2!.CitizenId, t2.Seat, t2.ValidUntil, t2.Cancelled));
        Assert.True((await Tickets.GetAsync(venue, "T1", None))!.Cancelled);
        Assert.Null(await Tickets.GetAsync(venue, "T3", None));
        Assert.Equal(4, await Stores.Audit.CountAsync(new AuditQuery(Action: "venue.tickets.push"), None));
    }

    [Fact]
    public async Task CurrentTicketsLeaveOutTheCancelledAndTheEndedAndLaterReadsHaveHigherRevisions()
    {
        var venue = await VenueAsync();
        var other = await VenueAsync();
        await PushAsync(venue, Book("late", Ann, "L", 2, 5), Book("soon", Ann, "S", 0, 1), Book("gone", Ann, "G", -3, -1), Book("off", Bob, "O"));
        await PushAsync(venue, CancelOf("off"));
        await PushAsync(other, Book("elsewhere", Ann, "E"));

        var first = await Tickets.CurrentAsync(venue, [Ann, Bob], Now, None);
        Assert.Equal(["soon", "late"], first.Tickets.Select(t => t.BookingId));
        Assert.Equal([new TicketWindow(Now, Now.AddHours(1), "S"), new TicketWindow(Now.AddHours(2), Now.AddHours(5), "L")], first.Tickets.Select(t => t.Window));
        var all = await Tickets.CurrentAsync(venue, null, Now, None);
        Assert.Equal(["soon", "late"], all.Tickets.Select(t => t.BookingId));
        Assert.True(all.Revision > first.Revision);
        Assert.Empty((await Tickets.CurrentAsync(venue, [Bob], Now, None)).Tickets);
    }

    [Fact]
    public async Task APushWhoseAuditEntryCannotBeWrittenStoresNothingAndAnUnknownVenueIsNull()
    {
        var venue = await VenueAsync();
        await Assert.ThrowsAsync<AuditWriteFailedException>(() => Tickets.PushAsync(venue, [Book("T1", Ann, "A-1")], Now, FailingAudit<TicketPushResult>(), None));
        Assert.Null(await Tickets.GetAsync(venue, "T1", None));
        Assert.Null(await Tickets.PushAsync(Guid.NewGuid(), [Book("T1", Ann, "A-1")], Now, Audited<TicketPushResult>(), None));
        Assert.Equal(0, await Stores.Audit.CountAsync(new AuditQuery(), None));
    }
}

public sealed class EmbeddedTicketStoreTests : TicketStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => Task.FromResult(StoreSet.Embedded());
}

public sealed class PostgresTicketStoreTests : TicketStoreContract
{
    protected override Task<StoreSet> OpenStoresAsync() => StoreSet.PostgresAsync();
}
