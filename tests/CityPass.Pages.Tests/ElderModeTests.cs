using System.Text.RegularExpressions;
using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// Elder-care mode (适老化) on the citizen page: a switch remembered on the device, a simpler pass screen with the rest
/// one tap away, 48 px touch targets; and the page reflows on a 360 px phone with large type, elder mode or not, and at
/// 200% zoom: no sideways scroll, no clipped text, no word broken inside, and the code still scans.
/// </summary>
public sealed partial class ElderModeTests(PagesApp app) : IClassFixture<PagesApp>
{
    private static readonly string[] Tabs = ["health", "eid", "sscard", "scans", "consent"];

    [Theory]
    [InlineData("zh-CN", "长辈模式", "更多信息")]
    [InlineData("en-GB", "Elder mode", "More details")]
    public async Task ElderModeIsASwitchRememberedOnTheDeviceThatLeavesThePassAndTheRestOneTapAway(string locale, string switchWords, string moreWords)
    {
        var page = await app.CitizenPageAsync("+8613800000001", locale);
        var toggle = page.Locator("#elder-toggle");
        await Expect(toggle).ToHaveTextAsync(switchWords);
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.Locator("#tab-health")).ToBeVisibleAsync();
        await Expect(page.Locator("#details-toggle")).ToBeHiddenAsync();

        await toggle.ClickAsync();
        await ExpectSimpleScreenAsync(page, moreWords);
        Assert.Equal(20, await RootFontPixelsAsync(page));

        // Remembered on the device: a reload (or the next visit) opens in elder mode.
        await page.ReloadAsync();
        await PagesApp.WaitForQrAsync(page);
        await ExpectSimpleScreenAsync(page, moreWords);

        // The rest is one tap away, and every control is at least 48 x 48 px.
        await page.ClickAsync("#details-toggle");
        await Expect(page.Locator("#details-toggle")).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(page.Locator("#tab-health")).ToBeVisibleAsync();
        await Expect(page.Locator("#status-reason")).ToBeVisibleAsync();
        var small = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('button, input, textarea, [role=tab]')]
              .filter((el) => el.getClientRects().length > 0)
              .map((el) => [el, el.getBoundingClientRect()])
              .filter(([, r]) => r.width < 48 || r.height < 48)
              .map(([el, r]) => `${el.id || el.textContent.trim()}: ${Math.round(r.width)}x${Math.round(r.height)} px`)
            """);
        Assert.True(small.Length == 0, "touch targets under 48 px: " + string.Join(", ", small));

        // Switched off, it stays off.
        await toggle.ClickAsync();
        await page.ReloadAsync();
        await PagesApp.WaitForQrAsync(page);
        await Expect(page.Locator("#elder-toggle")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.Locator("html")).Not.ToHaveClassAsync(ElderClass());
        await Expect(page.Locator("#tab-health")).ToBeVisibleAsync();
        Assert.Equal(16, await RootFontPixelsAsync(page));
    }

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en-GB")]
    public async Task ElderModeWithLargeSystemFontReflowsAt360PxAndTheCodeStillScans(string locale)
    {
        // The yellow citizen: the longest pass screen (an appeal form and a history under the health facts).
        var page = await app.CitizenPageAsync("+8613800000002", locale);
        await Reflow.SetSystemFontSizeAsync(page, 32);
        await page.ClickAsync("#elder-toggle");
        await ExpectSimpleScreenAsync(page, null);
        // Elder mode's type grows on top of the phone's setting: 32 px x 125%.
        Assert.Equal(40, await RootFontPixelsAsync(page));

        var problems = new List<string>();
        problems.AddRange(await ReflowProblemsAsync(page, "simple screen"));
        Assert.StartsWith("CP2:", await QrDecoder.ReadPassAsync(page), StringComparison.Ordinal);
        await page.ClickAsync("#details-toggle");
        problems.AddRange(await ReflowProblemsOfEachTabAsync(page, "details"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en-GB")]
    public async Task PagesReflowAt200PercentZoomAndWithA32PxSystemFontInBothModes(string locale)
    {
        var problems = new List<string>();
        var signIn = await app.NewPageAsync(PagesApp.Phone, locale);
        await signIn.GotoAsync("/citizen/");
        await Reflow.ZoomAsync(signIn, 200, PagesApp.Phone);
        problems.AddRange(await ReflowProblemsAsync(signIn, "signed out at 200%"));

        var page = await app.CitizenPageAsync("+8613800000001", locale);
        foreach (var elder in new[] { false, true })
        {
            if (elder) await page.ClickAsync("#elder-toggle");
            if (elder) await page.ClickAsync("#details-toggle");
            var mode = elder ? "elder" : "standard";

            await Reflow.ZoomAsync(page, 200, PagesApp.Phone);
            problems.AddRange(await ReflowProblemsOfEachTabAsync(page, $"{mode} at 200% zoom"));
            // "Sign out" takes a line or two, never one letter per line.
            var signOutLines = await Reflow.LinesAsync(page.Locator("#sign-out"));
            if (signOutLines > 2) problems.Add($"{mode} at 200% zoom: the sign-out button's text takes {signOutLines} lines");
            await Reflow.ZoomAsync(page, 100, PagesApp.Phone);

            await Reflow.SetSystemFontSizeAsync(page, 32);
            problems.AddRange(await ReflowProblemsOfEachTabAsync(page, $"{mode} with a 32 px system font"));
            await Reflow.SetSystemFontSizeAsync(page, 16);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static async Task ExpectSimpleScreenAsync(IPage page, string? moreWords)
    {
        await Expect(page.Locator("#elder-toggle")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("html")).ToHaveClassAsync(ElderClass());
        // The pass, the colour in words, the time.
        await Expect(page.Locator("#qr")).ToBeVisibleAsync();
        await Expect(page.Locator("#status-words")).ToBeVisibleAsync();
        await Expect(page.Locator("#clock")).ToBeVisibleAsync();
        // The rest behind one button.
        await Expect(page.Locator("#details-toggle")).ToHaveAttributeAsync("aria-expanded", "false");
        if (moreWords is not null) await Expect(page.Locator("#details-toggle")).ToHaveTextAsync(moreWords);
        await Expect(page.Locator("#tab-health")).ToBeHiddenAsync();
        await Expect(page.Locator("#countdown")).ToBeHiddenAsync();
        await Expect(page.Locator("#issuer")).ToBeHiddenAsync();
    }

    private static async Task<IEnumerable<string>> ReflowProblemsOfEachTabAsync(IPage page, string state)
    {
        var problems = new List<string>();
        foreach (var tab in Tabs)
        {
            await page.ClickAsync($"#tab-{tab}");
            await Expect(page.Locator($"#panel-{tab}")).ToBeVisibleAsync();
            problems.AddRange(await ReflowProblemsAsync(page, $"{state}, tab {tab}"));
        }
        await page.ClickAsync("#tab-health");
        return problems;
    }

    private static async Task<IEnumerable<string>> ReflowProblemsAsync(IPage page, string state) =>
        (await Reflow.ProblemsAsync(page)).Select(p => $"{state}: {p}");

    private static Task<int> RootFontPixelsAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize))");

    [GeneratedRegex(@"(^|\s)elder(\s|$)")]
    private static partial Regex ElderClass();
}
