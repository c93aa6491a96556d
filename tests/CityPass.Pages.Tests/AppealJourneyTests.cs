using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// Issue 16's appeal, across the pages in one browser: a citizen turned red under a case sees the history row with the
/// case and the role (not a name), appeals from the phone, the authority upholds it in the console, and the citizen
/// sees the outcome without reloading.
/// </summary>
public sealed class AppealJourneyTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Phone = "+8613800000004"; // John Smith: green

    [Fact]
    public async Task ACitizenTurnedRedAppealsFromThePhoneTheAuthorityUpholdsItAndTheCitizenSeesTheOutcome()
    {
        var citizen = await app.CitizenPageAsync(Phone);
        var watch = new PageWatch(citizen);
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "green");
        // Green: nothing to appeal, no form.
        await Expect(citizen.Locator("#appeal-form")).ToBeHiddenAsync();
        await Expect(citizen.Locator("#appeal-none")).ToContainTextAsync("绿码无需申诉");

        // The authority opens a case and turns the citizen red under it.
        var authority = await app.ConsolePageAsync("authority");
        await authority.GotoAsync("/admin/cases");
        await authority.FillAsync("input[name=legalBasis]", "传染病防治法 art. 39");
        await authority.ClickAsync("button:has-text('Open case')");
        var caseId = (await authority.Locator("h1 .mono").TextContentAsync())!;
        await authority.GotoAsync("/admin/citizens?q=" + Uri.EscapeDataString(Phone));
        await authority.CheckAsync("input[name=colour][value=red]");
        await authority.FillAsync("#reason", "Positive PCR test");
        await authority.FillAsync("#caseRef", caseId);
        await authority.ClickAsync("form button.primary");
        await Expect(authority.Locator("[data-testid=current-status]")).ToContainTextAsync("RED");

        // The phone turns red and its history says under which case and by which role, with no name.
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "red", new() { Timeout = 5000 });
        var newest = citizen.Locator("#history-list li").First;
        await Expect(newest).ToHaveAttributeAsync("data-colour", "red");
        await Expect(newest.Locator(".history-reason")).ToHaveTextAsync("Positive PCR test");
        await Expect(newest.Locator(".history-case")).ToContainTextAsync(caseId);
        await Expect(newest.Locator(".history-role")).ToContainTextAsync("卫生健康部门");
        await Expect(citizen.Locator("#history-list li").Last.Locator(".history-case")).ToContainTextAsync("—");
        var history = (await citizen.Locator("#history").InnerTextAsync())!;
        Assert.DoesNotContain("authority", history, StringComparison.OrdinalIgnoreCase);

        // The citizen appeals with a reason; the page says it is pending and hides the form.
        await citizen.FillAsync("#appeal-reason", "检测样本条码错误 The lab mixed up the barcode");
        await citizen.ClickAsync("#appeal-form button[type=submit]");
        await Expect(citizen.Locator("#appeal-state-badge")).ToHaveAttributeAsync("data-state", "open");
        await Expect(citizen.Locator("#appeal-state-badge")).ToHaveTextAsync("处理中");
        await Expect(citizen.Locator("#appeal-form")).ToBeHiddenAsync();
        var widths = await citizen.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"the citizen page is {widths[0]} px wide in a {widths[1]} px viewport");

        // The authority finds it in the queue with the reason and the case, and upholds it.
        await authority.ClickAsync("nav a:has-text('Appeals')");
        var appeal = authority.Locator("li.appeal", new() { HasText = "The lab mixed up the barcode" });
        await Expect(appeal).ToContainTextAsync(caseId);
        await Expect(appeal.Locator("[data-testid=current-status]")).ToContainTextAsync("red");
        await appeal.Locator("input[name=decision][value=uphold]").CheckAsync();
        await appeal.Locator("input[name=reason]").FillAsync("Lab confirmed the barcode mix-up");
        await appeal.Locator("button:has-text('Decide')").ClickAsync();
        await Expect(authority.Locator(".notice")).ToContainTextAsync("upheld");

        // The phone turns green by itself and shows the outcome: upheld, by the health authority (a role), why.
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "green", new() { Timeout = 5000 });
        await Expect(citizen.Locator("#appeal-state-badge")).ToHaveAttributeAsync("data-state", "upheld");
        await Expect(citizen.Locator("#appeal-detail")).ToContainTextAsync("状态已改为绿码");
        await Expect(citizen.Locator("#appeal-detail")).ToContainTextAsync("卫生健康部门");
        await Expect(citizen.Locator("#appeal-detail")).ToContainTextAsync("Lab confirmed the barcode mix-up");
        await Expect(citizen.Locator("#history-list li").First.Locator(".history-reason")).ToHaveTextAsync("Appeal upheld: Lab confirmed the barcode mix-up");
        Assert.DoesNotContain("authority", (await citizen.Locator("#panel-health").InnerTextAsync())!, StringComparison.OrdinalIgnoreCase);

        // In English too.
        await citizen.ClickAsync("#lang-toggle");
        await Expect(citizen.Locator("#appeal-state-badge")).ToHaveTextAsync("Upheld");
        await Expect(citizen.Locator("#appeal-detail")).ToContainTextAsync("Decided by: Health authority");
        Assert.Empty(watch.Errors);
    }
}
