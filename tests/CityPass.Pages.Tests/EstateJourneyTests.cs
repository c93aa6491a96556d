using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// A visit to a housing estate across the pages (issue 17): a visitor registers on the H5 page, the host (a resident of
/// the unit) approves on theirs, and the visitor's QR opens the estate's gate; the estate's office sees the visit.
/// </summary>
public sealed class EstateJourneyTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Visitor = "+8613800000004"; // John Smith: no home at the estate
    private const string Host = "+8613800000001";    // 张小三: resident of 3-2-501 at 阳光小区
    private const string Estate = "阳光小区";

    [Fact]
    public async Task AVisitorRegistersTheHostApprovesAndTheVisitorsPassOpensTheEstatesGate()
    {
        // Before any visit the estate's gate refuses the visitor: it admits residents and approved visitors only.
        var visitor = await app.CitizenPageAsync(Visitor);
        var gate = await app.GatePageAsync(Estate);
        await ScanAsync(gate, await QrDecoder.ReadAsync(visitor.Locator("#qr")));
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-code", "booking_required");

        // The visitor registers on a 360 px phone: the estate, the host's unit, why; the window defaults to the next two hours.
        await visitor.ClickAsync("#tab-estate");
        await Expect(visitor.Locator("#visit-estate option")).ToHaveCountAsync(1);
        await Expect(visitor.Locator("#hosting")).ToBeHiddenAsync();
        await visitor.FillAsync("#visit-unit", "3-2-501");
        await visitor.FillAsync("#visit-purpose", "探望朋友 Visiting a friend");
        await visitor.ClickAsync("#visit-form button[type=submit]");
        await Expect(visitor.Locator("#visit-message")).ToContainTextAsync("等待住户审批");
        var mine = visitor.Locator("#my-visits li").First;
        await Expect(mine.Locator(".visit-status")).ToHaveAttributeAsync("data-status", "pending");
        await AssertNoSidewaysScrollAsync(visitor);

        // A unit nobody lives in names the field.
        await visitor.FillAsync("#visit-unit", "9-9-999");
        await visitor.FillAsync("#visit-purpose", "x");
        await visitor.ClickAsync("#visit-form button[type=submit]");
        await Expect(visitor.Locator("#visit-message")).ToContainTextAsync("该住户不存在");

        // The host sees it on their phone, in English, with the visitor's masked name, and approves.
        var host = await app.CitizenPageAsync(Host, "en-GB");
        await host.ClickAsync("#tab-estate");
        await Expect(host.Locator("#homes")).ToContainTextAsync("3-2-501");
        var request = host.Locator("#hosted-list li").First;
        await Expect(request).ToContainTextAsync("3-2-501");
        await Expect(request.Locator(".visit-status")).ToHaveAttributeAsync("data-status", "pending");
        await AssertNoSidewaysScrollAsync(host);
        await request.Locator("button.approve").ClickAsync();
        await Expect(request.Locator(".visit-status")).ToHaveAttributeAsync("data-status", "approved");
        await Expect(request.Locator("button.decline")).ToBeVisibleAsync();

        // The visitor's page shows the approval without a reload, and the visitor's pass now opens the gate, which shows the unit.
        await Expect(mine.Locator(".visit-status")).ToHaveAttributeAsync("data-status", "approved", new() { Timeout = 10_000 });
        await PagesApp.WaitForQrAsync(visitor);
        await ScanAsync(gate, await QrDecoder.ReadAsync(visitor.Locator("#qr")));
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "allow");
        await Expect(gate.Locator("#verdict-word")).ToContainTextAsync("ALLOW");
        await Expect(gate.Locator("#verdict-seat")).ToContainTextAsync("3-2-501");

        // The estate's office sees the visit in its trail.
        var office = await app.ConsolePageAsync("estate");
        await office.GotoAsync($"/admin/venues/{await app.VenueIdAsync(Estate)}/visitors");
        await Expect(office.Locator("table.grid tbody tr").First).ToContainTextAsync("探望朋友");
        await Expect(office.Locator("table.grid tbody tr").First).ToContainTextAsync("approved");
    }

    [Fact]
    public async Task TheEstateTabFitsA360PxPhoneInElderMode()
    {
        var host = await app.CitizenPageAsync(Host);
        await host.ClickAsync("#elder-toggle");
        await host.ClickAsync("#details-toggle");
        await host.ClickAsync("#tab-estate");
        await Expect(host.Locator("#visit-form")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(host);
        var height = await host.Locator("#visit-form button[type=submit]").EvaluateAsync<double>("b => b.getBoundingClientRect().height");
        Assert.True(height >= 48, $"the register button is {height} px high in elder mode");
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= 360 && widths[1] <= 360, $"{widths[0]} px wide in a {widths[1]} px layout viewport");
    }

    private static async Task ScanAsync(IPage gate, string text)
    {
        await gate.Locator("#scan-input").FocusAsync();
        await gate.Keyboard.TypeAsync(text);
        await gate.Keyboard.PressAsync("Enter");
    }
}
