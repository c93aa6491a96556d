using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>Sign-in by keyboard alone, and the console's tenancy: the same rules as the /v1 API.</summary>
public sealed class AccessTests(PagesApp app) : IClassFixture<PagesApp>
{
    [Fact]
    public async Task CitizenSignsInByKeyboardAlone()
    {
        const string phone = "+8613800000004";
        var page = await app.NewPageAsync(PagesApp.Phone, "en-GB");
        await page.GotoAsync("/citizen/");
        await Expect(page.Locator("#phone")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(phone);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#phone-form button[type=submit]")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#code")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(app.OneTimeCodeFor(phone));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "green");
        await Expect(page.Locator("#status-words")).ToContainTextAsync("Green code");

        // The credential tabs move with the arrow keys.
        await page.Locator("#tab-health").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#tab-eid")).ToBeFocusedAsync();
        await Expect(page.Locator("#panel-eid")).ToBeVisibleAsync();
        await Expect(page.Locator("#panel-health")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task StaffSignInToTheConsoleByKeyboardAlone()
    {
        var page = await app.NewPageAsync(PagesApp.Desk, "en-GB");
        await page.GotoAsync("/admin/venues/" + await app.VenueIdAsync("瑞金医院") + "/scans");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/signin"));
        await Expect(page.Locator("#username")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("clinic");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(app.Demo.Staff.Single(s => s.Username == "clinic").Password);
        await page.Keyboard.PressAsync("Enter");
        // Back where the operator was going.
        await Expect(page.Locator("h1")).ToContainTextAsync("瑞金医院");
        await Expect(page.Locator("#scan-log")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task WrongPasswordIsRefusedAndNoCookieIsSet()
    {
        var page = await app.NewPageAsync(PagesApp.Desk, "en-GB");
        await page.GotoAsync("/admin/signin");
        await page.FillAsync("#username", "clinic");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("form button[type=submit]");
        await Expect(page.Locator(".error")).ToContainTextAsync("Wrong username or password");
        var cookies = await page.Context.CookiesAsync([app.BaseUrl + "/admin"]);
        Assert.DoesNotContain(cookies, c => c.Name == "citypass.console");
    }

    [Fact]
    public async Task OperatorCannotOpenAnotherVenuesPages()
    {
        var clinic = await app.VenueIdAsync("瑞金医院");
        var library = await app.VenueIdAsync("上海图书馆");
        var page = await app.ConsolePageAsync("library");

        // Its own venue opens; the clinic is not even listed.
        Assert.Equal(200, (await page.GotoAsync($"/admin/venues/{library}/gates"))!.Status);
        await page.GotoAsync("/admin");
        await Expect(page.Locator("table.grid tbody")).ToContainTextAsync("上海图书馆");
        await Expect(page.Locator("table.grid tbody")).Not.ToContainTextAsync("瑞金医院");

        // Another venue's pages answer 404, as the API does, not 403: its ids can't be probed.
        foreach (var path in new[] { "gates", "policy", "occupancy", "scans", "scans?handler=Csv", "occupancy?handler=Series" })
        {
            var response = await page.GotoAsync($"/admin/venues/{clinic}/{path}");
            Assert.True(response!.Status == 404, $"{path} answered {response.Status}");
        }
        await Expect(page.Locator("h1")).ToHaveTextAsync("Not found");

        // Nor an estate's residents or visitor trail.
        var estate = await app.VenueIdAsync("阳光小区");
        foreach (var path in new[] { "residents", "visitors" })
        {
            Assert.Equal(404, (await page.GotoAsync($"/admin/venues/{estate}/{path}"))!.Status);
        }

        // The authority's pages are not a venue operator's.
        var citizens = await page.GotoAsync("/admin/citizens?q=%2B8613800000001");
        Assert.Equal(403, citizens!.Status);
        await Expect(page.Locator("main")).Not.ToContainTextAsync("张小三");
        Assert.Equal(403, (await page.GotoAsync("/admin/cases"))!.Status);
        Assert.Equal(403, (await page.GotoAsync("/admin/appeals"))!.Status);
        // The city dashboard is the city's, not a venue's: not in the operator's menu, and refused.
        await page.GotoAsync("/admin");
        await Expect(page.Locator("header nav")).Not.ToContainTextAsync("City dashboard");
        Assert.Equal(403, (await page.GotoAsync("/admin/city/dashboard"))!.Status);
        Assert.Equal(403, (await page.GotoAsync("/admin/city/dashboard?handler=Panels"))!.Status);
        // Nor is the city admin's.
        Assert.Equal(403, (await page.GotoAsync("/admin/trusted-cities"))!.Status);
        Assert.Equal(403, (await page.GotoAsync("/admin/staff"))!.Status);
        Assert.Equal(403, (await page.GotoAsync("/admin/keys"))!.Status);
    }

    [Fact]
    public async Task ConsolePostWithoutTheAntiforgeryTokenIsRefused()
    {
        var library = await app.VenueIdAsync("上海图书馆");
        var page = await app.ConsolePageAsync("library");
        // The cookie alone (what a forged cross-site form would carry) is not enough.
        var form = page.APIRequest.CreateFormData();
        form.Set("name", "Forged gate");
        var response = await page.APIRequest.PostAsync($"/admin/venues/{library}/gates?handler=Add", new() { Form = form });
        Assert.Equal(400, response.Status);
        await page.GotoAsync($"/admin/venues/{library}/gates");
        await Expect(page.Locator("table.grid")).Not.ToContainTextAsync("Forged gate");
    }
}
