using CityPass.Pages.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>The exposure list under a case, in the browser on a phone: trace, select all, draft their status change.</summary>
public sealed class ContactTracingPageTests(PagesApp app) : IClassFixture<PagesApp>
{
    [Fact]
    public async Task AuthorityTracesSelectsEveryoneExposedAndTurnsThemYellow()
    {
        var url = await app.SeedTraceAsync();
        var page = await app.ConsolePageAsync("authority", PagesApp.Phone);
        await page.GotoAsync(url);
        await Expect(page.Locator("#visits tbody tr")).ToHaveCountAsync(1);
        var boxes = page.Locator("#exposures input[name=citizenIds]");
        await Expect(boxes).ToHaveCountAsync(2); // the two inside with 张小三; not the one who came after he left
        await Expect(page.Locator("#exposures tbody tr").First.Locator(".overlap")).ToHaveTextAsync("90"); // in since before him, no exit: the library's dwell time

        await page.Locator("input[data-select-all]").CheckAsync();
        var ticked = await boxes.EvaluateAllAsync<bool[]>("boxes => boxes.map(b => b.checked)");
        Assert.Equal(new[] { true, true }, ticked);
        await page.Locator("#exposures-form button[type=submit]").ClickAsync();
        // Both become one draft for a second approver.
        await Expect(page.Locator("[data-testid=draft-state]")).ToHaveTextAsync("pending");
        await Expect(page.Locator("#draft-citizens li")).ToHaveCountAsync(2);
    }
}
