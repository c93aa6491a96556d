using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>The whole journey across the pages, in one browser, as the issue tells it.</summary>
public sealed class JourneyTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Phone = "+8613800000001"; // 张小三: green, holds a social-security card
    private const string Clinic = "瑞金医院";        // admits green and yellow with a social-security card

    [Fact]
    public async Task GreenPassOpensTheGateThenTurnsRedLiveAndTheGateRefusesAndTheOperatorSeesAndExportsBothScans()
    {
        // A citizen signs in and sees a green pass.
        var citizen = await app.CitizenPageAsync(Phone);
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "green");
        await Expect(citizen.Locator("#status-words")).ToContainTextAsync("绿码");
        await Expect(citizen.Locator("#status-icon")).ToHaveTextAsync("✓");

        // The QR on the page, as a screenshot, decodes to exactly the text the API returned.
        var greenText = await QrDecoder.ReadPassAsync(citizen);
        Assert.StartsWith("CP2:", greenText, StringComparison.Ordinal);

        // That text, typed into the gate simulator by a keyboard-wedge scanner, opens the gate.
        var gate = await app.GatePageAsync(Clinic);
        await ScanAsync(gate, greenText);
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "allow");
        await Expect(gate.Locator("#verdict-word")).ToContainTextAsync("ALLOW");
        await Expect(gate.Locator("#verdict-name")).ToHaveTextAsync("张*三");

        // The authority opens a health case, then turns the citizen red in the console under it, with a reason.
        var authority = await app.ConsolePageAsync("authority");
        await authority.GotoAsync("/admin/cases");
        await authority.SelectOptionAsync("select[name=type]", "confirmed_infection");
        await authority.FillAsync("input[name=legalBasis]", "传染病防治法 art. 39");
        await authority.ClickAsync("button:has-text('Open case')");
        await Expect(authority.Locator(".notice")).ToContainTextAsync("Case opened");
        var caseId = (await authority.Locator("h1 .mono").TextContentAsync())!;
        await authority.GotoAsync("/admin/citizens?q=" + Uri.EscapeDataString(Phone));
        await authority.CheckAsync("input[name=colour][value=red]");
        await authority.FillAsync("#reason", "Positive PCR test");
        await authority.FillAsync("#caseRef", caseId);
        await authority.ClickAsync("form button.primary");
        await Expect(authority.Locator("[data-testid=current-status]")).ToContainTextAsync("RED");

        // The citizen page turns red within 5 s, without a reload, and says why.
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "red", new() { Timeout = 5000 });
        await Expect(citizen.Locator("#status-words")).ToContainTextAsync("红码");
        await Expect(citizen.Locator("#status-icon")).ToHaveTextAsync("✕");
        await Expect(citizen.Locator("#status-reason")).ToHaveTextAsync("Positive PCR test");

        // The gate now refuses the (new, red) pass and says why.
        await PagesApp.WaitForQrAsync(citizen);
        var redText = await QrDecoder.ReadAsync(citizen.Locator("#qr"));
        Assert.NotEqual(greenText, redText);
        await ScanAsync(gate, redText);
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "deny");
        await Expect(gate.Locator("#verdict-word")).ToContainTextAsync("DENY");
        await Expect(gate.Locator("#verdict-reason")).ToContainTextAsync("status_not_allowed");
        await Expect(gate.Locator("#verdict-name")).ToHaveTextAsync("张*三");
        await Expect(gate.Locator("#recent li")).ToHaveCountAsync(2);

        // The clinic's operator sees both scans in the log and downloads them as CSV.
        var clinicId = await app.VenueIdAsync(Clinic);
        var operatorPage = await app.ConsolePageAsync("clinic");
        await operatorPage.GotoAsync($"/admin/venues/{clinicId}/scans");
        var rows = operatorPage.Locator("#scan-log tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("DENY");
        await Expect(rows.Nth(0)).ToContainTextAsync("status_not_allowed");
        await Expect(rows.Nth(1)).ToContainTextAsync("ALLOW");

        var download = await operatorPage.RunAndWaitForDownloadAsync(() => operatorPage.ClickAsync("text=Download CSV"));
        var csv = (await File.ReadAllLinesAsync(await download.PathAsync())).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("scan_id,decided_at", csv[0].TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Equal(3, csv.Count);
        Assert.Contains(",deny,status_not_allowed,red,\"张*三\",", csv[1], StringComparison.Ordinal);
        Assert.Contains(",allow,allowed,green,\"张*三\",", csv[2], StringComparison.Ordinal);
    }

    private static async Task ScanAsync(IPage gate, string text)
    {
        var input = gate.Locator("#scan-input");
        await Expect(input).ToBeFocusedAsync();
        // A keyboard-wedge scanner types the text and presses Enter.
        await gate.Keyboard.TypeAsync(text);
        await gate.Keyboard.PressAsync("Enter");
    }
}
