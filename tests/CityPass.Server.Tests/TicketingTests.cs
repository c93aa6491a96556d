using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// A theatre's ticketing system pushes bookings in bulk (issue 17): idempotent on its own booking id, with a seat and a
/// window, cancellable; the gate's one scan admits a ticket holder within the window and tells the gate the seat.
/// The demo theatre (上海大剧院) requires a booking; its operator is "clinic", the library's is "library".
/// </summary>
public abstract class TicketingTests(StoreMode mode) : AppTest(mode)
{
    private const string Theatre = "上海大剧院";

    private async Task<string> TicketsUrlAsync() => $"/v1/venues/{await App.VenueIdAsync(Theatre)}/tickets";

    private static object Booking(string bookingId, string citizenId, string seat, DateTimeOffset from, DateTimeOffset until, bool cancelled = false) =>
        new { bookingId, citizenId, seat, validFrom = from, validUntil = until, cancelled };

    private async Task<HttpResponseMessage> PushAsync(HttpClient staff, params object[] bookings) =>
        await staff.PostAsJsonAsync(await TicketsUrlAsync(), new { bookings });

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static (string? Status, string? Code)[] Results(JsonElement push) =>
        [.. push.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("status").GetString(), r.TryGetProperty("code", out var c) ? c.GetString() : null))];

    /// <summary>
    /// An entry at the theatre; when allowed, the exit too (anti-passback). Then the clock moves past the pass's life, so
    /// the next scan has a fresh pass (a pass opens a venue's entry once).
    /// </summary>
    private async Task<(string Code, string? Seat)> ScanJohnAsync(CitizenClient john)
    {
        var gate = App.Gate(Theatre);
        var text = await john.PassTextAsync();
        var (_, code, body) = await gate.DecideAsync(text);
        if (code == "allowed") Assert.Equal("allowed", (await gate.DecideAsync(text, "out")).Code);
        App.Clock.Advance(TimeSpan.FromSeconds(61));
        return (code, body.TryGetProperty("seat", out var seat) && seat.ValueKind == JsonValueKind.String ? seat.GetString() : null);
    }

    [Fact]
    public async Task APushedTicketAdmitsWithItsSeatAndARePushUpdatesNeverDuplicates()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");
        Assert.Equal(("booking_required", null), await ScanJohnAsync(john));

        var head = await App.AuditHeadAsync();
        var first = await JsonOf(await PushAsync(clinic, Booking("T-1001", johnId, "Stalls A-12", now.AddMinutes(-30), now.AddHours(3))));
        Assert.Equal([("created", null)], Results(first));
        Assert.Equal(1, first.GetProperty("created").GetInt32());

        var scan = await ScanJohnAsync(john);
        Assert.Equal(("allowed", "Stalls A-12"), scan);

        // The same booking again: nothing changes, nothing is added.
        var again = await JsonOf(await PushAsync(clinic, Booking("T-1001", johnId, "Stalls A-12", now.AddMinutes(-30), now.AddHours(3))));
        Assert.Equal([("unchanged", null)], Results(again));

        // The seat moved: the same id is replaced.
        var moved = await JsonOf(await PushAsync(clinic, Booking("T-1001", johnId, "Circle C-3", now.AddMinutes(-30), now.AddHours(3))));
        Assert.Equal([("updated", null)], Results(moved));
        var stored = await clinic.GetFromJsonAsync<JsonElement>($"{await TicketsUrlAsync()}/T-1001");
        Assert.Equal(("Circle C-3", false), (stored.GetProperty("seat").GetString(), stored.GetProperty("cancelled").GetBoolean()));

        var gate = App.Gate(Theatre);
        var scanId = Guid.NewGuid();
        var text = await john.PassTextAsync();
        var (_, _, firstAnswer) = await gate.DecideAsync(text, scanId: scanId);
        Assert.Equal("Circle C-3", firstAnswer.GetProperty("seat").GetString());
        // A retry of the scan gets the first answer, seat and all.
        var (_, _, retry) = await gate.DecideAsync(text, scanId: scanId);
        Assert.True(retry.GetProperty("duplicate").GetBoolean());
        Assert.Equal("Circle C-3", retry.GetProperty("seat").GetString());

        // One audit entry per push, with its counts, on the venue.
        var pushes = (await App.AuditSinceAsync(head)).Where(e => e.Action == "venue.tickets.push").ToList();
        Assert.Equal(3, pushes.Count);
        var theatreId = await App.VenueIdAsync(Theatre);
        Assert.All(pushes, e => Assert.Equal(("clinic", $"venue:{theatreId}"), (e.Actor, e.Subject)));
        Assert.Equal("bookings=1 created=1 updated=0 unchanged=0 cancelled=0 rejected=0", pushes[0].After);
        Assert.Equal("bookings=1 created=0 updated=0 unchanged=1 cancelled=0 rejected=0", pushes[1].After);
        Assert.Equal("bookings=1 created=0 updated=1 unchanged=0 cancelled=0 rejected=0", pushes[2].After);
    }

    [Fact]
    public async Task ACancelledTicketNoLongerAdmitsAndAReinstatedOneDoes()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");
        await JsonOf(await PushAsync(clinic, Booking("T-2001", johnId, "Zone B", now.AddMinutes(-5), now.AddHours(2))));
        Assert.Equal("allowed", (await ScanJohnAsync(john)).Code);

        var cancel = await JsonOf(await PushAsync(clinic, new { bookingId = "T-2001", cancelled = true }, new { bookingId = "T-unknown", cancelled = true }));
        Assert.Equal([("cancelled", null), ("rejected", "booking_not_found")], Results(cancel));
        Assert.Equal(("booking_required", null), await ScanJohnAsync(john));
        // Cancelling again changes nothing.
        Assert.Equal([("unchanged", null)], Results(await JsonOf(await PushAsync(clinic, new { bookingId = "T-2001", cancelled = true }))));

        // The ticketing system's latest word counts: pushed again without "cancelled", it admits again.
        var reinstated = await JsonOf(await PushAsync(clinic, Booking("T-2001", johnId, "Zone B", now.AddMinutes(-5), now.AddHours(2))));
        Assert.Equal([("updated", null)], Results(reinstated));
        Assert.Equal(("allowed", "Zone B"), await ScanJohnAsync(john));
    }

    [Fact]
    public async Task ATicketAdmitsOnlyWithinItsWindow()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");
        await JsonOf(await PushAsync(clinic, Booking("T-3001", johnId, "Row 7 Seat 14", now.AddMinutes(30), now.AddMinutes(90))));

        Assert.Equal(("booking_required", null), await ScanJohnAsync(john));   // doors not open yet
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(("allowed", "Row 7 Seat 14"), await ScanJohnAsync(john));
        App.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(("booking_required", null), await ScanJohnAsync(john));   // the window ended
    }

    [Fact]
    public async Task AnotherVenuesOperatorAndTheAuthorityGet404AndACityAdminMayPush()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var booking = Booking("T-4001", johnId, "Box 2", now, now.AddHours(1));
        foreach (var other in new[] { "library", "authority" })
        {
            var response = await PushAsync(await App.StaffAsync(other), booking);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await (await App.StaffAsync(other)).GetAsync($"{await TicketsUrlAsync()}/T-4001")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsJsonAsync(await TicketsUrlAsync(), new { bookings = new[] { booking } })).StatusCode);
        Assert.Equal([("created", null)], Results(await JsonOf(await PushAsync(await App.StaffAsync("admin"), booking))));
        Assert.Equal(HttpStatusCode.NotFound, (await (await App.StaffAsync("clinic")).PostAsJsonAsync($"/v1/venues/{Guid.NewGuid()}/tickets", new { bookings = new[] { booking } })).StatusCode);
    }

    [Fact]
    public async Task BadBookingsAreRejectedOneByOneWithTheirCodesAndTooManyIs400()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");

        var push = await JsonOf(await PushAsync(clinic,
            Booking("T-5001", johnId, new string('S', 33), now, now.AddHours(1)),      // seat too long
            Booking("T-5002", johnId, "A-1", now.AddHours(1), now),                    // ends before it starts
            Booking("T-5003", johnId, "A-1", now, now.AddDays(8)),                     // longer than 7 days
            Booking("T-5004", "not-a-citizen", "A-1", now, now.AddHours(1)),
            Booking("bad id with spaces", johnId, "A-1", now, now.AddHours(1)),
            Booking(new string('x', 65), johnId, "A-1", now, now.AddHours(1)),
            Booking("T-5005", johnId, "A-\n1", now, now.AddHours(1)),                  // not printable
            new { bookingId = "T-5006", citizenId = johnId, seat = "A-1" },             // no window
            Booking("T-5007", johnId, "A-1", now, now.AddHours(1)),
            Booking("T-5007", johnId, "A-2", now, now.AddHours(1))));                  // the same id twice
        Assert.Equal(
            [("rejected", "seat_invalid"), ("rejected", "window_invalid"), ("rejected", "window_invalid"), ("rejected", "citizen_id_invalid"),
             ("rejected", "booking_id_invalid"), ("rejected", "booking_id_invalid"), ("rejected", "seat_invalid"), ("rejected", "window_invalid"),
             ("created", null), ("rejected", "booking_id_repeated")],
            Results(push));
        Assert.Equal((1, 9), (push.GetProperty("created").GetInt32(), push.GetProperty("rejected").GetInt32()));
        // Nothing of a rejected booking was stored; the first of a repeated id was.
        Assert.Equal(HttpStatusCode.NotFound, (await clinic.GetAsync($"{await TicketsUrlAsync()}/T-5001")).StatusCode);
        Assert.Equal("A-1", (await clinic.GetFromJsonAsync<JsonElement>($"{await TicketsUrlAsync()}/T-5007")).GetProperty("seat").GetString());

        foreach (var count in new[] { 0, 501 })
        {
            var response = await PushAsync(clinic, [.. Enumerable.Range(0, count).Select(i => Booking($"T-6{i:000}", johnId, "A-1", now, now.AddHours(1)))]);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("bookings", out _));
        }
        // 500 is allowed, in one push.
        var full = await JsonOf(await PushAsync(clinic, [.. Enumerable.Range(0, 500).Select(i => Booking($"T-7{i:000}", johnId, $"Z-{i}", now, now.AddHours(1)))]));
        Assert.Equal(500, full.GetProperty("created").GetInt32());
    }
}

public sealed class EmbeddedTicketingTests() : TicketingTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback: the seat comes from the scan script.</summary>
public sealed class RedisPostgresTicketingTests() : TicketingTests(StoreMode.RedisAndPostgres);
