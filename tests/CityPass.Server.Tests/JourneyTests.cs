using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

public abstract class JourneyTests(StoreMode mode) : AppTest(mode)
{
    [Fact]
    public async Task CitizenEntersThenTurnsRedAndIsDeniedAndTheOperatorSeesBothScansAndExportsThem()
    {
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var pass = await citizen.PassAsync();
        Assert.Equal("green", pass.GetProperty("status").GetProperty("colour").GetString());
        Assert.Equal("张*三", pass.GetProperty("displayName").GetString());

        var gate = App.Gate("上海图书馆");
        var (decision, code, body) = await gate.DecideAsync(pass.GetProperty("text").GetString()!);
        Assert.Equal(("allow", "allowed"), (decision, code));
        Assert.Equal(1, body.GetProperty("occupancy").GetInt32());
        Assert.Equal("张*三", body.GetProperty("displayName").GetString());
        App.Clock.Advance(TimeSpan.FromSeconds(2));
        (decision, _, _) = await gate.DecideAsync(pass.GetProperty("text").GetString()!, "out");
        Assert.Equal("allow", decision);

        var authority = await App.StaffAsync("authority");
        var citizenId = await App.CitizenIdAsync(Phones.ZhangGreen);
        var caseId = await App.OpenCaseAsync();
        var change = await authority.PutAsJsonAsync($"/v1/citizens/{citizenId}/status", new { colour = "red", reason = "Positive test", caseRef = caseId });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        App.Clock.Advance(TimeSpan.FromSeconds(2));
        var redPass = await citizen.PassAsync();
        Assert.Equal("red", redPass.GetProperty("status").GetProperty("colour").GetString());
        Assert.NotEqual(pass.GetProperty("text").GetString(), redPass.GetProperty("text").GetString());
        (decision, code, body) = await gate.DecideAsync(redPass.GetProperty("text").GetString()!);
        Assert.Equal(("deny", "status_not_allowed", "red"), (decision, code, body.GetProperty("colour").GetString()));

        var library = await App.StaffAsync("library");
        var venueId = await App.VenueIdAsync("上海图书馆");
        var scans = await EventuallyAsync(
            () => library.GetFromJsonAsync<JsonElement>($"/v1/venues/{venueId}/scans"),
            s => s.GetProperty("items").GetArrayLength() >= 3);
        var items = scans.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["deny", "allow", "allow"], items.Select(i => i.GetProperty("decision").GetString()));
        Assert.Equal("status_not_allowed", items[0].GetProperty("code").GetString());
        Assert.All(items, i => Assert.False(i.TryGetProperty("citizenId", out _)));

        var csv = await library.GetAsync($"/v1/venues/{venueId}/scans.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("scan_id,decided_at", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.Contains(",deny,status_not_allowed,red,", StringComparison.Ordinal));

        var own = await EventuallyAsync(citizen.ScansAsync, s => s.GetProperty("items").GetArrayLength() >= 3);
        Assert.Equal(3, own.GetProperty("items").GetArrayLength());

        var audit = await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=citizen:{citizenId}");
        var entry = audit.EnumerateArray().First();
        Assert.Equal(("authority", "green v1", "red v2", caseId),
            (entry.GetProperty("actor").GetString(), entry.GetProperty("before").GetString(), entry.GetProperty("after").GetString(), entry.GetProperty("caseRef").GetString()));
    }

    [Fact]
    public async Task AnOldPassOfACitizenNowRedIsDenied()
    {
        var citizen = await App.SignInCitizenAsync(Phones.JohnGreen);
        var oldText = await citizen.PassTextAsync();
        var authority = await App.StaffAsync("authority");
        var id = await App.CitizenIdAsync(Phones.JohnGreen);
        (await authority.PutAsJsonAsync($"/v1/citizens/{id}/status", new { colour = "red", reason = "Close contact", caseRef = await App.OpenCaseAsync("close_contact_investigation") })).EnsureSuccessStatusCode();

        var (decision, code, body) = await App.Gate("上海图书馆").DecideAsync(oldText);
        Assert.Equal(("deny", "status_not_allowed", "red"), (decision, code, body.GetProperty("colour").GetString()));
    }

    [Fact]
    public async Task TheQrImagesCarryTheSamePassAsTheJson()
    {
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var text = await citizen.PassTextAsync();
        var svg = await citizen.Http.GetStringAsync("/v1/me/pass.svg");
        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        var png = await citizen.Http.GetByteArrayAsync("/v1/me/pass.png");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(text, await citizen.PassTextAsync());
    }
}

public sealed class EmbeddedJourneyTests() : JourneyTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresJourneyTests() : JourneyTests(StoreMode.RedisAndPostgres);
