using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Every staff request sees the account as it is now: a deleted operator's token and cookie stop at
/// once, and any change of the account (venues, role, password, username) refuses the tokens issued
/// before it with token_revoked, so the operator signs in again and gets the current rights.
/// </summary>
public abstract class StaffAccountTests(StoreMode mode) : AppTest(mode)
{
    private static async Task<Guid> OperatorIdAsync(HttpClient admin, string username) =>
        (await admin.GetFromJsonAsync<JsonElement>("/v1/operators")).EnumerateArray()
            .Where(o => o.GetProperty("username").GetString() == username).Select(o => o.GetProperty("id").GetGuid()).Single();

    private static async Task AssertRevokedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("token_revoked", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    private async Task<HttpClient> SignInAsync(string username, string password)
    {
        var http = App.CreateClient();
        var response = await http.PostAsJsonAsync("/v1/auth/token", new { username, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in as {username} answered {response.StatusCode}");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task ADeletedOperatorsTokenIsRefusedAtOnceWithTokenRevoked()
    {
        var admin = await App.StaffAsync("admin");
        var library = await App.StaffAsync("library");
        Assert.Equal(HttpStatusCode.OK, (await library.GetAsync("/v1/venues")).StatusCode); // cached as valid

        (await admin.DeleteAsync($"/v1/operators/{await OperatorIdAsync(admin, "library")}")).EnsureSuccessStatusCode();

        await AssertRevokedAsync(await library.GetAsync("/v1/venues"));
        await AssertRevokedAsync(await library.GetAsync("/v1/auth/me"));
        // Everyone else's token is untouched.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task AnOperatorMovedToAnotherVenueLosesTheOldOneAndGainsTheNewAtOnce()
    {
        var admin = await App.StaffAsync("admin");
        var library = await App.StaffAsync("library");
        var libraryId = await App.VenueIdAsync("上海图书馆");
        var estateId = await App.VenueIdAsync("阳光小区");
        Assert.Equal(HttpStatusCode.OK, (await library.GetAsync($"/v1/venues/{libraryId}")).StatusCode);

        var id = await OperatorIdAsync(admin, "library");
        (await admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "library", role = "VenueOperator", venueIds = new[] { estateId } })).EnsureSuccessStatusCode();

        // The old token carries the old venue: it is refused outright, not half-believed.
        await AssertRevokedAsync(await library.GetAsync($"/v1/venues/{libraryId}"));
        await AssertRevokedAsync(await library.GetAsync("/v1/auth/me"));

        var again = await App.StaffAsync("library");
        Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync($"/v1/venues/{libraryId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/v1/venues/{estateId}")).StatusCode);
        var me = await again.GetFromJsonAsync<JsonElement>("/v1/auth/me");
        Assert.Equal([estateId], me.GetProperty("venueIds").EnumerateArray().Select(v => v.GetGuid()));
    }

    [Fact]
    public async Task APasswordChangeRefusesTheTokensIssuedBeforeIt()
    {
        var admin = await App.StaffAsync("admin");
        var authority = await App.StaffAsync("authority");
        var id = await OperatorIdAsync(admin, "authority");

        (await admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "authority", role = "HealthAuthority", password = "a-new-password-2026" })).EnsureSuccessStatusCode();

        await AssertRevokedAsync(await authority.GetAsync("/v1/audit"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "authority", password = "demo-authority-2026" })).StatusCode);
        var fresh = await SignInAsync("authority", "a-new-password-2026");
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/v1/audit")).StatusCode);
    }

    [Fact]
    public async Task ARoleChangeRefusesTheTokensIssuedBeforeIt()
    {
        var admin = await App.StaffAsync("admin");
        var clinic = await App.StaffAsync("clinic");
        var id = await OperatorIdAsync(admin, "clinic");

        (await admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "clinic", role = "HealthAuthority" })).EnsureSuccessStatusCode();

        await AssertRevokedAsync(await clinic.GetAsync("/v1/venues"));
        Assert.Equal(HttpStatusCode.OK, (await (await App.StaffAsync("clinic")).GetAsync("/v1/audit")).StatusCode);
    }

    [Fact]
    public async Task TheConsoleCookieOfADeletedOperatorIsSignedOut()
    {
        var admin = await App.StaffAsync("admin");
        var console = await App.ConsoleAsync("library");
        Assert.Equal(HttpStatusCode.OK, (await console.Http.GetAsync("/admin")).StatusCode);

        (await admin.DeleteAsync($"/v1/operators/{await OperatorIdAsync(admin, "library")}")).EnsureSuccessStatusCode();

        var response = await console.Http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/signin", response.Headers.Location?.OriginalString.Replace("http://localhost", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // The cookie itself is cleared, not just ignored this once.
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("citypass.console=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, (await console.Http.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task TheConsoleCookieOfAChangedOperatorIsSignedOut()
    {
        var admin = await App.StaffAsync("admin");
        var console = await App.ConsoleAsync("clinic");
        var theatreId = await App.VenueIdAsync("上海大剧院");
        Assert.Equal(HttpStatusCode.OK, (await console.Http.GetAsync($"/admin/venues/{theatreId}/gates")).StatusCode);

        var id = await OperatorIdAsync(admin, "clinic");
        (await admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "clinic", role = "VenueOperator", venueIds = new[] { await App.VenueIdAsync("瑞金医院") } })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Redirect, (await console.Http.GetAsync($"/admin/venues/{theatreId}/gates")).StatusCode);
        var again = await App.ConsoleAsync("clinic");
        Assert.Equal(HttpStatusCode.NotFound, (await again.Http.GetAsync($"/admin/venues/{theatreId}/gates")).StatusCode);
    }

    [Fact]
    public async Task ADisabledAccountCannotSignInItsTokenStopsAtOnceAndEnablingLetsItBackIn()
    {
        var admin = await App.StaffAsync("admin");
        var library = await App.StaffAsync("library");
        var id = await OperatorIdAsync(admin, "library");
        var password = App.Demo.Staff.Single(s => s.Username == "library").Password;

        var disabled = await admin.PostAsync($"/v1/operators/{id}/disable", null);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await disabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabledAt").ValueKind);
        await AssertRevokedAsync(await library.GetAsync("/v1/venues"));
        var refused = await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "library", password });
        Assert.Equal((HttpStatusCode.Forbidden, "account_disabled"), (refused.StatusCode, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()));
        // A wrong password is answered as for any account: a disabled one is not told apart without the password.
        var wrong = await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "library", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // Changing role or venues keeps it disabled.
        (await admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "library", role = "VenueOperator", venueIds = Array.Empty<Guid>() })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Forbidden, (await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "library", password })).StatusCode);

        (await admin.PostAsync($"/v1/operators/{id}/enable", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await (await SignInAsync("library", password)).GetAsync("/v1/auth/me")).StatusCode);
        // No one disables themselves (the last admin could lock the city out).
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/v1/operators/{await OperatorIdAsync(admin, "admin")}/disable", null)).StatusCode);
    }

    [Fact]
    public async Task APasswordResetGivesANewPasswordOnceAndTheOldOneAndItsTokensStopWorking()
    {
        var admin = await App.StaffAsync("admin");
        var library = await App.StaffAsync("library");
        var id = await OperatorIdAsync(admin, "library");

        var response = await admin.PostAsync($"/v1/operators/{id}/password-reset", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var password = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporaryPassword").GetString()!;
        Assert.Equal(16, password.Length);

        await AssertRevokedAsync(await library.GetAsync("/v1/venues"));
        var old = App.Demo.Staff.Single(s => s.Username == "library").Password;
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "library", password = old })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await SignInAsync("library", password)).GetAsync("/v1/auth/me")).StatusCode);
        // Only a city admin resets.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.StaffAsync("authority")).PostAsync($"/v1/operators/{id}/password-reset", null)).StatusCode);
    }

    [Fact]
    public async Task TheStaffPageCreatesDisablesAndResetsThroughTheSameRules()
    {
        var console = await App.ConsoleAsync("admin");
        var libraryId = await App.VenueIdAsync("上海图书馆");

        var created = await console.PostFormAsync("/admin/staff", "Create", ("username", "reader"), ("displayName", "Reading room"),
            ("password", "a-long-enough-password"), ("role", "VenueOperator"), ("venueIds", libraryId.ToString()));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var admin = await App.StaffAsync("admin");
        var id = await OperatorIdAsync(admin, "reader");
        var reader = await SignInAsync("reader", "a-long-enough-password");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/v1/venues/{libraryId}")).StatusCode);

        var tooShort = await console.PostFormAsync("/admin/staff", "Create", ("username", "x2"), ("password", "short"), ("role", "VenueOperator"));
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);

        var reset = await console.PostFormAsync("/admin/staff", $"Reset&id={id}");
        var html = await reset.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var shown = System.Text.RegularExpressions.Regex.Match(html, "id=\"temporary-password\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(16, shown.Length);
        Assert.Equal(HttpStatusCode.OK, (await (await SignInAsync("reader", shown)).GetAsync("/v1/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await console.PostFormAsync("/admin/staff", $"Disable&id={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "reader", password = shown })).StatusCode);
        // Not a page for anyone else.
        var authority = await App.ConsoleAsync("authority");
        Assert.NotEqual(HttpStatusCode.OK, (await authority.Http.GetAsync("/admin/staff")).StatusCode);
    }
}

public sealed class EmbeddedStaffAccountTests() : StaffAccountTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresStaffAccountTests() : StaffAccountTests(StoreMode.RedisAndPostgres);
