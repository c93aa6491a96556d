using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>The console's policy editor: opening hours per weekday, saved through the API's validation, read back as the API holds them.</summary>
public abstract class PolicyEditorTests(StoreMode mode) : AppTest(mode)
{
    private async Task<(ConsoleClient Console, Guid Library, string Page)> EditorAsync()
    {
        var library = await App.VenueIdAsync("上海图书馆");
        return (await App.ConsoleAsync("library"), library, $"/admin/venues/{library}/policy");
    }

    private async Task<JsonElement> HoursAsync(Guid venue) =>
        (await (await App.StaffAsync("admin")).GetFromJsonAsync<JsonElement>($"/v1/venues/{venue}/policy")).GetProperty("openingHours");

    [Fact]
    public async Task EachWeekdayKeepsItsOwnWindowsAndAnEmptyDayIsClosed()
    {
        var (console, library, page) = await EditorAsync();

        var saved = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.AntiPassback", "true"), ("Form.HoursMode", "weekly"),
            ("Form.Days[monday]", "09:00-12:00, 14:00-18:00"), ("Form.Days[saturday]", "10:00-02:00"), ("Form.Days[sunday]", ""));

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var periods = (await HoursAsync(library)).GetProperty("periods").EnumerateArray()
            .Select(p => (p.GetProperty("day").GetString(), p.GetProperty("opens").GetString(), p.GetProperty("closes").GetString())).ToList();
        Assert.Equal([("monday", "09:00", "12:00"), ("monday", "14:00", "18:00"), ("saturday", "10:00", "02:00")], periods);
        // Read back into the editor as it was written.
        var html = await console.Http.GetStringAsync(page);
        Assert.Contains("value=\"09:00-12:00, 14:00-18:00\" placeholder=\"closed\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlwaysOpenClearsTheTimetableAndABadWindowIsRefusedWithItsDay()
    {
        var (console, library, page) = await EditorAsync();

        var bad = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.HoursMode", "weekly"), ("Form.Days[tuesday]", "nine to five"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Tuesday: &#x27;nine to five&#x27; is not a window", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badTime = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.HoursMode", "weekly"), ("Form.Days[tuesday]", "25:00-26:00"));
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);

        var always = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.HoursMode", "always"), ("Form.Days[monday]", "09:00-10:00"));
        Assert.Equal(HttpStatusCode.Redirect, always.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await HoursAsync(library)).ValueKind);
    }

    [Fact]
    public async Task TheEditorMakesAVenueIdentifyItsVisitorsWithTheClaimsTickedAndRefusesClaimsAlone()
    {
        var (console, library, page) = await EditorAsync();

        var alone = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.HoursMode", "always"), ("Form.IdentifyClaims", "age_band"));
        Assert.Equal(HttpStatusCode.BadRequest, alone.StatusCode);
        Assert.Contains("only with identify", await alone.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var saved = await console.PostFormAsync(page, "Save", ("Form.AllowedColours", "green"), ("Form.HoursMode", "always"), ("Form.Identify", "true"),
            ("Form.IdentifyClaims", "masked_name"), ("Form.IdentifyClaims", "eid_verified"));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var policy = await (await App.StaffAsync("admin")).GetFromJsonAsync<JsonElement>($"/v1/venues/{library}/policy");
        Assert.True(policy.GetProperty("identify").GetBoolean());
        Assert.Equal(["masked_name", "eid_verified"], policy.GetProperty("identifyClaims").EnumerateArray().Select(c => c.GetString()));
        // Read back into the editor as it was written.
        var html = await console.Http.GetStringAsync(page);
        Assert.Contains("name=\"Form.Identify\" value=\"true\" checked=\"checked\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"Form.IdentifyClaims\" value=\"eid_verified\" checked=\"checked\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"Form.IdentifyClaims\" value=\"age_band\" checked", html, StringComparison.Ordinal);
    }
}

public sealed class EmbeddedPolicyEditorTests() : PolicyEditorTests(StoreMode.Embedded);
