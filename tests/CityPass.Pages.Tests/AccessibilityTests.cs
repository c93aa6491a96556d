using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// axe-core finds no violation on any page: the citizen page in every state it has (signed out, each colour, each
/// tab, both languages, elder-care mode on and off), the gate simulator, the public page, the home page and every
/// console page of each role. A failure lists each violation with its rule, element and message.
/// </summary>
public sealed class AccessibilityTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Clinic = "瑞金医院";
    private static readonly (string Phone, string Colour)[] Citizens = [("+8613800000001", "green"), ("+8613800000002", "yellow"), ("+8613800000003", "red")];
    private static readonly string[] Tabs = ["health", "eid", "sscard", "scans", "estate", "consent"];

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en-GB")]
    public async Task CitizenPageHasNoViolationsSignedOutInEachColourAndTab(string locale)
    {
        var audit = new AxeAudit();
        var signIn = await app.NewPageAsync(PagesApp.Phone, locale);
        await signIn.GotoAsync("/citizen/");
        await Expect(signIn.Locator("#phone")).ToBeFocusedAsync();
        await audit.CheckAsync(signIn, $"{locale} signed out");
        await signIn.FillAsync("#phone", "+8613800000004");
        await signIn.ClickAsync("#phone-form button[type=submit]");
        await Expect(signIn.Locator("#code")).ToBeFocusedAsync();
        await audit.CheckAsync(signIn, $"{locale} one-time code");

        foreach (var (phone, colour) in Citizens)
        {
            var page = await app.CitizenPageAsync(phone, locale);
            await Expect(page.Locator("#status-card")).ToHaveAttributeAsync("data-colour", colour);
            await AuditTabsAsync(page, audit, $"{locale} {colour}");
        }
        audit.AssertNoViolations();
    }

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en-GB")]
    public async Task CitizenPageHasNoViolationsInElderMode(string locale)
    {
        var audit = new AxeAudit();
        var signIn = await app.NewPageAsync(PagesApp.Phone, locale);
        await signIn.GotoAsync("/citizen/");
        await signIn.ClickAsync("#elder-toggle");
        await Expect(signIn.Locator("#elder-toggle")).ToHaveAttributeAsync("aria-pressed", "true");
        await audit.CheckAsync(signIn, $"{locale} elder signed out");

        foreach (var (phone, colour) in Citizens)
        {
            var page = await app.CitizenPageAsync(phone, locale);
            await page.ClickAsync("#elder-toggle");
            await Expect(page.Locator("#details-toggle")).ToBeVisibleAsync();
            await audit.CheckAsync(page, $"{locale} elder {colour} simple screen");
            await page.ClickAsync("#details-toggle");
            await AuditTabsAsync(page, audit, $"{locale} elder {colour} details");
        }
        audit.AssertNoViolations();
    }

    [Fact]
    public async Task GateSimulatorHasNoViolations()
    {
        var audit = new AxeAudit();
        var setup = await app.NewPageAsync(PagesApp.Desk, "en-GB");
        await setup.GotoAsync("/gate/");
        await audit.CheckAsync(setup, "gate set-up");

        var citizen = await app.CitizenPageAsync("+8613800000001");
        var red = await app.CitizenPageAsync("+8613800000003");
        var gate = await app.GatePageAsync(Clinic, PagesApp.Phone);
        await audit.CheckAsync(gate, "gate scanner");
        await gate.Keyboard.TypeAsync(await QrDecoder.ReadAsync(citizen.Locator("#qr")));
        await gate.Keyboard.PressAsync("Enter");
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "allow");
        await audit.CheckAsync(gate, "gate ALLOW");
        await gate.Keyboard.TypeAsync(await QrDecoder.ReadAsync(red.Locator("#qr")));
        await gate.Keyboard.PressAsync("Enter");
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "deny");
        await audit.CheckAsync(gate, "gate DENY");
        await gate.ClickAsync("#verdict");
        await Expect(gate.Locator("#recent li")).ToHaveCountAsync(2);
        await audit.CheckAsync(gate, "gate last scans");
        audit.AssertNoViolations();
    }

    [Fact]
    public async Task PublicAndHomePagesHaveNoViolations()
    {
        var audit = new AxeAudit();
        var page = await app.NewPageAsync(PagesApp.Phone);
        await page.GotoAsync("/");
        await audit.CheckAsync(page, "home");
        await page.GotoAsync("/public/");
        await Expect(page.Locator(".venue")).ToHaveCountAsync(4);
        await audit.CheckAsync(page, "public occupancy");
        audit.AssertNoViolations();
    }

    [Fact]
    public async Task PublicListLoadsWithoutLayoutShift()
    {
        var page = await app.NewPageAsync(PagesApp.Phone);
        // On loopback the list would arrive before the first paint; on a phone's network it comes after it.
        await page.RouteAsync("**/v1/public/venues", async route =>
        {
            await Task.Delay(500);
            await route.ContinueAsync();
        });
        await page.GotoAsync("/public/");
        await Expect(page.Locator(".venue")).ToHaveCountAsync(4);
        // Cumulative layout shift as Chromium reports it (buffered: from the first paint on), a second after the list loaded.
        var shift = await page.EvaluateAsync<double>("""
            () => new Promise((resolve) => {
              let sum = 0;
              new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) sum += e.value; })
                .observe({ type: 'layout-shift', buffered: true });
              setTimeout(() => resolve(sum), 1000);
            })
            """);
        Assert.True(shift < 0.01, $"the public page shifted by {shift:0.000} while its list loaded");
    }

    [Fact]
    public async Task EveryConsolePageOfEachRoleHasNoViolations()
    {
        var audit = new AxeAudit();
        var clinic = await app.VenueIdAsync(Clinic);
        var signIn = await app.NewPageAsync(PagesApp.Desk, "en-GB");
        await signIn.GotoAsync("/admin/signin");
        await audit.CheckAsync(signIn, "console sign-in");
        await signIn.FillAsync("#username", "clinic");
        await signIn.FillAsync("#password", "wrong password");
        await signIn.ClickAsync("form button[type=submit]");
        await Expect(signIn.Locator(".error")).ToBeVisibleAsync();
        await audit.CheckAsync(signIn, "console sign-in refused");

        var operatorPages = new[] { "/admin", $"/admin/venues/{clinic}/gates", $"/admin/venues/{clinic}/policy", $"/admin/venues/{clinic}/occupancy", $"/admin/venues/{clinic}/scans", $"/admin/venues/{clinic}/disclosures", "/admin/cases" };
        var authorityPages = new[]
        {
            "/admin", "/admin/citizens", "/admin/citizens?q=%2B8613800000003", "/admin/audit", "/admin/cases", $"/admin/cases/{await app.DemoCaseIdAsync()}",
            await app.SeedTraceAsync(), "/admin/drafts", $"/admin/drafts/{await app.PendingDraftIdAsync()}", "/admin/appeals", "/admin/import", "/admin/city/dashboard",
        };
        var estate = await app.VenueIdAsync("阳光小区");
        var estatePages = new[] { $"/admin/venues/{estate}/gates", $"/admin/venues/{estate}/residents", $"/admin/venues/{estate}/residents?unit=3-2-501", $"/admin/venues/{estate}/visitors" };
        var cityAdminPages = new[] { "/admin", "/admin/staff", "/admin/keys", "/admin/trusted-cities", "/admin/city/dashboard", $"/admin/venues/{clinic}/gates", "/admin/venues/00000000-0000-0000-0000-000000000000/gates" };
        foreach (var (user, paths) in new[] { ("clinic", operatorPages), ("estate", estatePages), ("authority", authorityPages), ("admin", cityAdminPages) })
        {
            var page = await app.ConsolePageAsync(user);
            foreach (var path in paths)
            {
                await page.GotoAsync(path);
                await audit.CheckAsync(page, $"{user} {path}");
            }
        }
        audit.AssertNoViolations();
    }

    private static async Task AuditTabsAsync(IPage page, AxeAudit audit, string state)
    {
        foreach (var tab in Tabs)
        {
            await page.ClickAsync($"#tab-{tab}");
            await Expect(page.Locator($"#panel-{tab}")).ToBeVisibleAsync();
            await audit.CheckAsync(page, $"{state} tab {tab}");
        }
    }
}
