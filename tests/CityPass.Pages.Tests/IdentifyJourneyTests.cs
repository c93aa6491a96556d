using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// Scan-to-identify on the H5 page (issue 17): 张小三's pass at the clinic's desk tells it what he consented to; on his
/// 360 px phone the Sharing tab (授权) shows the consent, what was shared, and lets him withdraw it.
/// </summary>
public sealed class IdentifyJourneyTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Zhang = "+8613800000001"; // consented for clinics: masked name and age band
    private const string Clinic = "瑞金医院";      // identifies patients, asks for the masked name, the age band and the e-ID check

    [Fact]
    public async Task ACitizenSeesWhatTheClinicWasToldAndWithdrawsOnA360PxPhone()
    {
        var zhang = await app.CitizenPageAsync(Zhang);
        var gate = await app.GatePageAsync(Clinic);
        await gate.Locator("#scan-input").FocusAsync();
        await gate.Keyboard.TypeAsync(await QrDecoder.ReadAsync(zhang.Locator("#qr")));
        await gate.Keyboard.PressAsync("Enter");
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "allow");
        // The desk sees the member id and what he agreed to: the masked name and the age band, not the e-ID check.
        var identity = gate.Locator("#verdict-identity");
        await Expect(identity).ToHaveAttributeAsync("data-code", "identity_shared");
        await Expect(identity).ToContainTextAsync("会员号");
        await Expect(identity).ToContainTextAsync("张*三");
        await Expect(identity).Not.ToContainTextAsync("e-ID");

        await zhang.ClickAsync("#tab-consent");
        var clinic = zhang.Locator("form.consent-kind[data-kind=clinic]");
        await Expect(clinic.Locator("legend")).ToHaveTextAsync("医院诊所");
        await Expect(clinic).ToContainTextAsync(Clinic);
        await Expect(clinic.Locator("input[name=identify]")).ToBeCheckedAsync();
        var claims = clinic.Locator("input[name=claim]");
        await Expect(claims).ToHaveCountAsync(3);
        await Expect(claims.Nth(0)).ToBeCheckedAsync();   // masked name
        await Expect(claims.Nth(1)).ToBeCheckedAsync();   // age band
        await Expect(claims.Nth(2)).Not.ToBeCheckedAsync(); // e-ID check: asked for, not consented

        var shared = zhang.Locator("#disclosure-list li").First;
        await Expect(shared).ToContainTextAsync(Clinic);
        await Expect(shared).ToContainTextAsync("张*三");
        await Expect(shared.Locator(".mono")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9A-Z]{16}$"));
        await AssertNoSidewaysScrollAsync(zhang);

        await clinic.Locator("button.decline").ClickAsync();
        await Expect(zhang.Locator("#consent-message")).ToContainTextAsync("已撤回");
        await Expect(zhang.Locator("form.consent-kind[data-kind=clinic] input[name=identify]")).Not.ToBeCheckedAsync();
        await Expect(zhang.Locator("form.consent-kind[data-kind=clinic] input[name=claim]").First).ToBeDisabledAsync();
        await Expect(zhang.Locator("#consent-history li").First).ToContainTextAsync("撤回授权");

        // And grants it again, with the e-ID check only.
        await zhang.Locator("form.consent-kind[data-kind=clinic] input[name=identify]").CheckAsync();
        await zhang.Locator("form.consent-kind[data-kind=clinic] input[name=claim]").Nth(2).CheckAsync();
        await zhang.Locator("form.consent-kind[data-kind=clinic] button.approve").ClickAsync();
        await Expect(zhang.Locator("#consent-message")).ToContainTextAsync("已保存");
        await Expect(zhang.Locator("#consent-history li").First).ToContainTextAsync("是否已实名核验");
    }

    [Fact]
    public async Task TheSharingTabFitsA360PxPhoneInElderModeAndInEnglish()
    {
        var zhang = await app.CitizenPageAsync(Zhang, "en-GB");
        await zhang.ClickAsync("#elder-toggle");
        await zhang.ClickAsync("#details-toggle");
        await zhang.ClickAsync("#tab-consent");
        var save = zhang.Locator("form.consent-kind[data-kind=clinic] button.approve");
        await Expect(save).ToHaveTextAsync("Save");
        await Expect(zhang.Locator("#consent-title")).ToHaveTextAsync("Identity consents");
        await AssertNoSidewaysScrollAsync(zhang);
        var height = await save.EvaluateAsync<double>("b => b.getBoundingClientRect().height");
        Assert.True(height >= 48, $"the save button is {height} px high in elder mode");
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= 360 && widths[1] <= 360, $"{widths[0]} px wide in a {widths[1]} px layout viewport");
    }
}
