using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Housing estates (issue 17): the estate's operator lists residents per unit; a visitor registers on the H5 routes, a
/// resident of the unit approves, and the visitor's pass opens the estate's gates during the window only. The demo
/// estate (阳光小区) requires a booking; its operator is "estate"; 张小三 lives in 3-2-501 and 李四 in 5-1-302.
/// </summary>
public abstract class EstateTests(StoreMode mode) : AppTest(mode)
{
    private const string Estate = "阳光小区";
    private const string ZhangUnit = "3-2-501";

    private async Task<string> EstateUrlAsync() => $"/v1/venues/{await App.VenueIdAsync(Estate)}";

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> RegisterAsync(CitizenClient visitor, string unit, DateTimeOffset from, DateTimeOffset until, string purpose = "Dinner with family") =>
        await visitor.Http.PostAsJsonAsync("/v1/me/visits", new { estateId = await App.VenueIdAsync(Estate), unit, purpose, validFrom = from, validUntil = until });

    private async Task<Guid> RegisteredAsync(CitizenClient visitor, DateTimeOffset from, DateTimeOffset until)
    {
        var response = await RegisterAsync(visitor, ZhangUnit, from, until);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var visit = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", visit.GetProperty("status").GetString());
        return visit.GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> DecideAsync(CitizenClient host, Guid visitId, string decision) =>
        await host.Http.PostAsync($"/v1/me/hosted-visits/{visitId}/{decision}", null);

    private static async Task<string> StatusAsync(CitizenClient visitor, Guid visitId) =>
        (await visitor.Http.GetFromJsonAsync<JsonElement>($"/v1/me/visits/{visitId}")).GetProperty("status").GetString()!;

    /// <summary>An entry at the estate's gate; then the clock moves past the pass's life, so the next scan has a fresh pass.</summary>
    private async Task<(string Code, string? Seat)> ScanAsync(CitizenClient citizen)
    {
        var (_, code, body) = await App.Gate(Estate).DecideAsync(await citizen.PassTextAsync());
        App.Clock.Advance(TimeSpan.FromSeconds(61));
        return (code, body.TryGetProperty("seat", out var seat) && seat.ValueKind == JsonValueKind.String ? seat.GetString() : null);
    }

    [Fact]
    public async Task AnApprovedVisitorIsAdmittedOnlyWithinTheWindowAndTheGateShowsTheUnit()
    {
        var now = App.Clock.GetUtcNow();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var visitId = await RegisteredAsync(john, now.AddMinutes(30), now.AddMinutes(90));

        // Pending: the host sees it, with the visitor's masked name and the purpose; the gate does not open yet.
        var hosted = (await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/hosted-visits")).EnumerateArray().Single(v => v.GetProperty("id").GetGuid() == visitId);
        Assert.Equal(("pending", "Dinner with family", ZhangUnit), (hosted.GetProperty("status").GetString(), hosted.GetProperty("purpose").GetString(), hosted.GetProperty("unit").GetString()));
        Assert.DoesNotContain("Smith", hosted.GetProperty("visitorName").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, hosted.GetProperty("visitorId").ValueKind);
        Assert.Equal(("booking_required", null), await ScanAsync(john));

        var approved = await JsonOf(await DecideAsync(zhang, visitId, "approve"));
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal("approved", await StatusAsync(john, visitId));
        // Approving again changes nothing.
        Assert.Equal("approved", (await JsonOf(await DecideAsync(zhang, visitId, "approve"))).GetProperty("status").GetString());

        Assert.Equal(("booking_required", null), await ScanAsync(john));   // before the window
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(("allowed", "访客 " + ZhangUnit), await ScanAsync(john));
        App.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(("booking_required", null), await ScanAsync(john));   // after it

        // Over: nobody decides it any more.
        var late = await DecideAsync(zhang, visitId, "decline");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("visit_ended", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ADeclinedVisitNeverAdmitsAndAWithdrawnApprovalStopsAdmitting()
    {
        var now = App.Clock.GetUtcNow();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);

        var declined = await RegisteredAsync(john, now, now.AddHours(2));
        Assert.Equal("declined", (await JsonOf(await DecideAsync(zhang, declined, "decline"))).GetProperty("status").GetString());
        Assert.Equal("declined", await StatusAsync(john, declined));
        Assert.Equal(("booking_required", null), await ScanAsync(john));
        var approveDeclined = await DecideAsync(zhang, declined, "approve");
        Assert.Equal(HttpStatusCode.Conflict, approveDeclined.StatusCode);
        Assert.Equal("visit_declined", (await approveDeclined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        var withdrawn = await RegisteredAsync(john, now, now.AddHours(2));
        await JsonOf(await DecideAsync(zhang, withdrawn, "approve"));
        Assert.Equal("allowed", (await ScanAsync(john)).Code);
        await JsonOf(await DecideAsync(zhang, withdrawn, "decline"));
        Assert.Equal(("booking_required", null), await ScanAsync(john));
    }

    [Fact]
    public async Task OnlyAResidentOfTheUnitDecidesAndOnlyTheVisitorSeesTheirVisit()
    {
        var now = App.Clock.GetUtcNow();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var li = await App.SignInCitizenAsync(Phones.LiYellow);   // a resident, of another unit
        var wang = await App.SignInCitizenAsync(Phones.WangRed);  // no resident at all
        var visitId = await RegisteredAsync(john, now, now.AddHours(1));

        foreach (var other in new[] { li, wang, john })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await DecideAsync(other, visitId, "approve")).StatusCode);
            Assert.DoesNotContain((await other.Http.GetFromJsonAsync<JsonElement>("/v1/me/hosted-visits")).EnumerateArray(), v => v.GetProperty("id").GetGuid() == visitId);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await li.Http.GetAsync($"/v1/me/visits/{visitId}")).StatusCode);
        Assert.Equal("pending", await StatusAsync(john, visitId));
        Assert.Equal(("booking_required", null), await ScanAsync(john));
    }

    [Fact]
    public async Task AListedResidentIsAdmittedWithoutEndAndAPushIsIdempotentAndAudited()
    {
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var office = await App.StaffAsync("estate");
        Assert.Equal(("allowed", ZhangUnit), await ScanAsync(zhang));
        Assert.Equal(("booking_required", null), await ScanAsync(john));

        var head = await App.AuditHeadAsync();
        var url = $"{await EstateUrlAsync()}/residents";
        var added = await JsonOf(await office.PostAsJsonAsync(url, new { residents = new[] { new { unit = "1-1-101", citizenId = johnId } } }));
        Assert.Equal(("added", 1), (added.GetProperty("results")[0].GetProperty("status").GetString(), added.GetProperty("added").GetInt32()));
        var again = await JsonOf(await office.PostAsJsonAsync(url, new { residents = new[] { new { unit = "1-1-101", citizenId = johnId } } }));
        Assert.Equal("unchanged", again.GetProperty("results")[0].GetProperty("status").GetString());
        App.Clock.Advance(TimeSpan.FromDays(400));
        Assert.Equal(("allowed", "1-1-101"), await ScanAsync(john));
        // John now sees his home and his id on the H5 routes.
        var homes = await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/homes");
        Assert.Equal((johnId, "1-1-101"), (homes.GetProperty("citizenId").GetString(), homes.GetProperty("homes")[0].GetProperty("unit").GetString()));
        Assert.Contains((await office.GetFromJsonAsync<JsonElement>($"{url}?unit=1-1-101")).EnumerateArray(), r => r.GetProperty("citizenId").GetString() == johnId);

        var removed = await JsonOf(await office.PostAsJsonAsync(url, new { residents = new[] { new { unit = "1-1-101", citizenId = johnId, removed = true } } }));
        Assert.Equal("removed", removed.GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(("booking_required", null), await ScanAsync(john));
        Assert.Empty((await office.GetFromJsonAsync<JsonElement>($"{url}?unit=1-1-101")).EnumerateArray());

        var pushes = (await App.AuditSinceAsync(head)).Where(e => e.Action == "venue.residents.push").ToList();
        var estateId = await App.VenueIdAsync(Estate);
        Assert.All(pushes, e => Assert.Equal(("estate", $"venue:{estateId}"), (e.Actor, e.Subject)));
        Assert.Equal(["residents=1 added=1 removed=0 unchanged=0 rejected=0", "residents=1 added=0 removed=0 unchanged=1 rejected=0", "residents=1 added=0 removed=1 unchanged=0 rejected=0"],
            pushes.Select(e => e.After));
    }

    [Fact]
    public async Task BadResidentsAreRejectedOneByOneAndBadVisitsNameTheirField()
    {
        var now = App.Clock.GetUtcNow();
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var office = await App.StaffAsync("estate");
        var url = $"{await EstateUrlAsync()}/residents";
        var push = await JsonOf(await office.PostAsJsonAsync(url, new
        {
            residents = new object[]
            {
                new { unit = "", citizenId = johnId }, new { unit = new string('9', 25), citizenId = johnId }, new { unit = "1 1", citizenId = johnId },
                new { unit = "2-2-202", citizenId = "not-a-citizen" }, new { unit = "2-2-202", citizenId = johnId }, new { unit = "2-2-202", citizenId = johnId },
            },
        }));
        Assert.Equal(["unit_invalid", "unit_invalid", "unit_invalid", "citizen_id_invalid", null, "resident_repeated"],
            push.GetProperty("results").EnumerateArray().Select(r => r.TryGetProperty("code", out var c) ? c.GetString() : null));
        Assert.Equal((1, 5), (push.GetProperty("added").GetInt32(), push.GetProperty("rejected").GetInt32()));
        foreach (var count in new[] { 0, 501 })
        {
            var response = await office.PostAsJsonAsync(url, new { residents = Enumerable.Range(0, count).Select(i => new { unit = $"U{i}", citizenId = johnId }) });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("residents", out _));
        }

        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        async Task<string> FieldAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            return string.Join(",", problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal("unit", await FieldAsync(await RegisterAsync(john, "9-9-999", now, now.AddHours(1))));             // nobody lives there
        Assert.Equal("unit", await FieldAsync(await RegisterAsync(john, "<b>", now, now.AddHours(1))));
        Assert.Equal("purpose", await FieldAsync(await RegisterAsync(john, ZhangUnit, now, now.AddHours(1), new string('p', 101))));
        Assert.Equal("purpose", await FieldAsync(await RegisterAsync(john, ZhangUnit, now, now.AddHours(1), "a\u202ebc")));
        Assert.Equal("validUntil", await FieldAsync(await RegisterAsync(john, ZhangUnit, now, now.AddHours(25))));
        Assert.Equal("validUntil", await FieldAsync(await RegisterAsync(john, ZhangUnit, now.AddHours(-3), now.AddHours(-1))));
        Assert.Equal("validFrom", await FieldAsync(await RegisterAsync(john, ZhangUnit, now.AddDays(31), now.AddDays(31).AddHours(1))));
        var library = await john.Http.PostAsJsonAsync("/v1/me/visits", new { estateId = await App.VenueIdAsync("上海图书馆"), unit = ZhangUnit, purpose = "x", validFrom = now, validUntil = now.AddHours(1) });
        Assert.Equal(HttpStatusCode.NotFound, library.StatusCode);
    }

    [Fact]
    public async Task AnotherVenuesOperatorGets404AndTheTrailIsTheEstatesOwn()
    {
        var now = App.Clock.GetUtcNow();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var visitId = await RegisteredAsync(john, now, now.AddHours(1));
        var url = await EstateUrlAsync();
        foreach (var other in new[] { "library", "clinic" })
        {
            var staff = await App.StaffAsync(other);
            var push = await staff.PostAsJsonAsync($"{url}/residents", new { residents = new[] { new { unit = "1-1-101", citizenId = johnId } } });
            Assert.Equal(HttpStatusCode.NotFound, push.StatusCode);
            Assert.Equal("not_found", (await push.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"{url}/residents")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"{url}/visits")).StatusCode);
        }
        // The estate's operator cannot use the routes on another venue either (and a venue that is no estate has none).
        var office = await App.StaffAsync("estate");
        Assert.Equal(HttpStatusCode.NotFound, (await office.GetAsync($"/v1/venues/{await App.VenueIdAsync("上海图书馆")}/visits")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await App.StaffAsync("admin")).GetAsync($"/v1/venues/{await App.VenueIdAsync("上海图书馆")}/residents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync($"{url}/visits")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await john.Http.GetAsync($"{url}/visits")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await office.GetAsync("/v1/me/hosted-visits")).StatusCode);

        var trail = await office.GetFromJsonAsync<JsonElement>($"{url}/visits");
        var entry = trail.EnumerateArray().Single(v => v.GetProperty("id").GetGuid() == visitId);
        Assert.Equal((johnId, ZhangUnit, "pending"), (entry.GetProperty("visitorId").GetString(), entry.GetProperty("unit").GetString(), entry.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task TheVisitorTrailIsPurgedAfterTheRetentionPeriod()
    {
        var now = App.Clock.GetUtcNow();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var visitId = await RegisteredAsync(john, now, now.AddHours(1));
        var office = await App.StaffAsync("estate");
        var url = $"{await EstateUrlAsync()}/visits";

        App.Clock.Advance(TimeSpan.FromDays(13));
        Assert.Contains((await office.GetFromJsonAsync<JsonElement>(url)).EnumerateArray(), v => v.GetProperty("id").GetGuid() == visitId);
        // 14 days after the window ended: the worker's next hourly run purges it.
        App.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(2));
        await EventuallyAsync(() => office.GetFromJsonAsync<JsonElement>(url), t => t.GetArrayLength() == 0);
        Assert.Equal(HttpStatusCode.NotFound, (await john.Http.GetAsync($"/v1/me/visits/{visitId}")).StatusCode);
    }
}

public sealed class EmbeddedEstateTests() : EstateTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback: the gate's answer comes from the scan script's tickets hash.</summary>
public sealed class RedisPostgresEstateTests() : EstateTests(StoreMode.RedisAndPostgres);
