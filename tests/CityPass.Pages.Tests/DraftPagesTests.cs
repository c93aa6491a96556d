using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>Four eyes in the console, in the browser: one account drafts a bulk change, another approves it and watches it run.</summary>
public sealed class DraftPagesTests(PagesApp app) : IClassFixture<PagesApp>
{
    [Fact]
    public async Task ABulkChangeIsDraftedByOneAccountAndApprovedByAnother()
    {
        var ids = new[] { await app.CitizenIdAsync("+8613800000001"), await app.CitizenIdAsync("+8613800000004") };
        var drafter = await app.ConsolePageAsync("authority");
        await drafter.GotoAsync("/admin/drafts");
        await drafter.FillAsync("textarea[name=ids]", string.Join("\n", ids));
        await drafter.SelectOptionAsync("select[name=colour]", "yellow");
        await drafter.FillAsync("input[name=reason]", "Same carriage, train G7");
        await drafter.FillAsync("input[name=caseRef]", await app.DemoCaseIdAsync());
        await drafter.ClickAsync("button:has-text('Draft for approval')");

        // The drafter sees the draft pending, with no approve button of their own.
        await Expect(drafter.Locator("[data-testid=draft-state]")).ToHaveTextAsync("pending");
        await Expect(drafter.Locator("#draft-citizens li")).ToHaveCountAsync(2);
        await Expect(drafter.Locator("button:has-text('Approve')")).ToHaveCountAsync(0);
        var draftUrl = new Uri(drafter.Url).AbsolutePath;

        // The second account is told on every page that a change awaits them.
        var approver = await app.ConsolePageAsync("epidemiologist");
        await approver.GotoAsync("/admin/cases");
        await Expect(approver.Locator("[data-testid=drafts-awaiting]")).ToContainTextAsync("1 status change awaiting a second approver");
        await approver.GotoAsync(draftUrl);
        await approver.ClickAsync("button:has-text('Approve')");

        // It runs; the progress panel polls itself until it is finished, and every citizen has a result.
        await Expect(approver.Locator("[data-testid=draft-state]")).ToHaveTextAsync("approved");
        await Expect(approver.Locator("#draft-progress")).ToContainTextAsync("Finished. 2 of 2", new() { Timeout = 15_000 });
        await Expect(approver.Locator("[data-testid=draft-results]")).ToContainTextAsync("changed: 2");
        await approver.ReloadAsync();
        await Expect(approver.Locator("#draft-results tbody tr")).ToHaveCountAsync(2);
        await Expect(approver.Locator("[data-testid=drafts-awaiting]")).ToHaveCountAsync(0);

        // The citizen's page follows: yellow.
        var citizen = await app.CitizenPageAsync("+8613800000004");
        await Expect(citizen.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "yellow");
    }
}
