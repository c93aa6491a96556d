using System.Buffers;
using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Validation;
using CityPass.Server.Venues;

namespace CityPass.Server.Ticketing;

/// <summary>
/// Bookings pushed by venues' ticketing systems (theatres, stadiums). A push is checked item by item (a bad booking is
/// rejected with its code, the others apply), written with its one audit entry (counts, like a citizen import), then
/// copied to the hot state the scan reads: the seat a gate displays comes from there, never from PostgreSQL per scan.
/// Tenancy: the venue's operators and city admins; any other venue is 404.
/// </summary>
public sealed class TicketingService(ITicketStore store, IVenueStore venues, IHotState hot, TimeProvider clock, ILogger<TicketingService> logger)
{
    public const int MaxBookingsPerPush = 500;
    public const int MaxBookingIdLength = 64;
    public const int MaxSeatLength = 32;
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    /// <summary>A push of 500 bookings is far over the default body limit; this bounds it.</summary>
    public const long MaxBodyBytes = 512 * 1024;

    public const string AuditAction = "venue.tickets.push";

    private static readonly SearchValues<char> BookingIdChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/#");

    public async Task<Outcome<TicketPushResponse>> PushAsync(AccessScope scope, Guid venueId, TicketPushRequest request, CancellationToken ct)
    {
        if (await ManagedAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        if (request.Bookings is not { Count: > 0 and <= MaxBookingsPerPush } items)
            return Failure.Invalid("bookings", $"1 to {MaxBookingsPerPush} bookings are required; send more in several pushes.");

        var now = clock.GetUtcNow();
        var answers = new TicketPushItemResult?[items.Count];
        var changes = new List<TicketChange>(items.Count);
        var positions = new List<int>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null) { answers[i] = Reject(null, TicketCodes.BookingIdInvalid); continue; }
            var (change, code) = Check(item);
            if (code is not null) answers[i] = Reject(item.BookingId, code);
            else if (!seen.Add(change!.BookingId)) answers[i] = Reject(item.BookingId, TicketCodes.BookingIdRepeated);
            else { changes.Add(change); positions.Add(i); }
        }

        TicketPushResult? pushed = new(venueId, []);
        if (changes.Count > 0)
        {
            pushed = await store.PushAsync(venueId, changes, now, result => AuditOf(scope, result, items.Count - changes.Count, now), ct);
            if (pushed is null) return Failure.NotFound("Venue");
            for (var k = 0; k < pushed.Results.Count; k++)
            {
                var r = pushed.Results[k];
                answers[positions[k]] = r.Status == TicketChangeStatus.NotFound ? Reject(r.BookingId, TicketCodes.BookingNotFound) : new(r.BookingId, Wire(r.Status));
            }
            await CopyToHotStateAsync(venueId, pushed.Affected, now, ct);
        }
        else
        {
            // Nothing valid reached the store; the attempt is still on record.
            await store.PushAsync(venueId, [], now, result => AuditOf(scope, result, items.Count, now), ct);
        }

        var results = answers.Select(a => a!).ToList();
        return new TicketPushResponse(
            results.Count(r => r.Status == "created"), results.Count(r => r.Status == "updated"), results.Count(r => r.Status == "unchanged"),
            results.Count(r => r.Status == "cancelled"), results.Count(r => r.Status == TicketPushItemResult.Rejected), results);
    }

    public async Task<Outcome<TicketView>> GetAsync(AccessScope scope, Guid venueId, string bookingId, CancellationToken ct)
    {
        if (await ManagedAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        return await store.GetAsync(venueId, bookingId, ct) is { } t ? TicketView.From(t) : Failure.NotFound("Booking");
    }

    /// <summary>
    /// Pushes the hot copies of <paramref name="citizens"/> at the venue from a read made after the commit. A failure
    /// does not undo the push (it is committed): the reconciler copies every venue's tickets again each period. Estates
    /// call it too: their residents and visits are tickets of the estate.
    /// </summary>
    public async Task CopyToHotStateAsync(Guid venueId, IReadOnlyList<CitizenPseudonym> citizens, DateTimeOffset now, CancellationToken ct)
    {
        if (citizens.Count == 0) return;
        try
        {
            var snapshot = await store.CurrentAsync(venueId, citizens, now, ct);
            await hot.PutTicketsAsync(venueId, snapshot.Revision, HotTickets.Of(snapshot, citizens), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("A ticket change was committed but not copied to the hot state ({Error}); the bookings reconcile will repair it.", e.GetType().Name);
        }
    }

    private static (TicketChange? Change, string? Code) Check(TicketPushItem item)
    {
        var id = item.BookingId;
        if (string.IsNullOrEmpty(id) || id.Length > MaxBookingIdLength || id.AsSpan().ContainsAnyExcept(BookingIdChars)) return (null, TicketCodes.BookingIdInvalid);
        if (item.Cancelled) return (new TicketChange(id, default, "", default, default, Cancel: true), null);
        if (!CitizenPseudonym.TryParse(item.CitizenId, out var citizen)) return (null, TicketCodes.CitizenIdInvalid);
        // Printable only: the seat reaches gates' screens, the console and the hot state's encoding (which separates tickets by line).
        if (FreeText.Check(item.Seat, MaxSeatLength, "A seat") is not null) return (null, TicketCodes.SeatInvalid);
        if (item is not { ValidFrom: { } from, ValidUntil: { } until } || until <= from || until - from > MaxWindow) return (null, TicketCodes.WindowInvalid);
        return (new TicketChange(id, citizen, item.Seat!.Trim(), ToMilliseconds(from), ToMilliseconds(until), Cancel: false), null);
    }

    // Windows are kept to the millisecond, as the hot state and both stores hold them: a re-push reads back equal.
    private static DateTimeOffset ToMilliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static TicketPushItemResult Reject(string? bookingId, string code) => new(bookingId, TicketPushItemResult.Rejected, code);

    private static string Wire(TicketChangeStatus status) => status switch
    {
        TicketChangeStatus.Created => "created",
        TicketChangeStatus.Updated => "updated",
        TicketChangeStatus.Unchanged => "unchanged",
        TicketChangeStatus.Cancelled => "cancelled",
        TicketChangeStatus.NotFound => TicketPushItemResult.Rejected,
    };

    /// <summary>One entry per push, with its counts (booking ids and citizens are not listed: the store has them).</summary>
    private static AuditDraft AuditOf(AccessScope scope, TicketPushResult result, int rejectedBeforeStore, DateTimeOffset now) =>
        new(now, scope.Actor, AuditAction, $"venue:{result.VenueId}", null,
            $"bookings={result.Results.Count + rejectedBeforeStore} created={result.Count(TicketChangeStatus.Created)} updated={result.Count(TicketChangeStatus.Updated)} " +
            $"unchanged={result.Count(TicketChangeStatus.Unchanged)} cancelled={result.Count(TicketChangeStatus.Cancelled)} " +
            $"rejected={rejectedBeforeStore + result.Count(TicketChangeStatus.NotFound)}",
            AuditAction, null);

    private async Task<Venue?> ManagedAsync(AccessScope scope, Guid venueId, CancellationToken ct) =>
        scope.CanManageVenue(venueId) ? await venues.GetVenueAsync(venueId, ct) : null;
}
