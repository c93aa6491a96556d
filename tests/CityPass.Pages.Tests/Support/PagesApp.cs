using System.Net;
using System.Text.RegularExpressions;
using CityPass.Server.Citizens;
using CityPass.Server.Hosting;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>
/// The real server (embedded stores, demo data) listening on a loopback port, and Debian's Chromium
/// driven by Playwright. Intent methods open pages as the people who use them: a citizen on a phone,
/// a gate, a member of staff at a desk.
/// </summary>
public sealed partial class PagesApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly ViewportSize Phone = new() { Width = 360, Height = 760 };
    public static readonly ViewportSize Desk = new() { Width = 1280, Height = 860 };

    private readonly string _dataDir = Directory.CreateTempSubdirectory("citypass-pages-").FullName;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = "";

    public DemoSummary Demo { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Demo = await DemoData.SeedAsync(Services, CancellationToken.None) ?? throw new InvalidOperationException("demo data was not seeded");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's Chromium: Playwright never downloads a browser here.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        await DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Keys:KeyFile", Path.Combine(_dataDir, "issuer-keys.json"));
        builder.UseSetting("Keys:ServerSecretFile", Path.Combine(_dataDir, "server-secret.key"));
        builder.UseSetting("Keys:GenerateIfMissing", "true");
        builder.UseSetting("RateLimits:SignInsPerMinute", "10000");
        builder.UseSetting("RateLimits:PerCitizenPerSecond", "1000");
        builder.UseSetting("RateLimits:PerGatePerSecond", "1000");
        // The fixture seeds itself, to learn the demo gates' credentials.
        builder.UseSetting("Demo:Seed", "false");
    }

    /// <summary>A fresh browser context (its own storage and cookies), phone-sized or desk-sized.</summary>
    public async Task<IPage> NewPageAsync(ViewportSize size, string locale = "zh-CN")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = size,
            DeviceScaleFactor = size.Width <= 480 ? 2 : 1,
            IsMobile = size.Width <= 480,
            HasTouch = size.Width <= 480,
            Locale = locale,
            TimezoneId = "Asia/Shanghai",
            AcceptDownloads = true,
        });
        return await context.NewPageAsync();
    }

    /// <summary>The one-time code the development SMS outbox holds for the phone.</summary>
    public string OneTimeCodeFor(string phone)
    {
        var message = Services.GetRequiredService<DevelopmentSmsSender>().LastMessageTo(phone) ?? throw new InvalidOperationException("no code was sent to " + phone);
        return SixDigits().Match(message).Value;
    }

    /// <summary>Signs a citizen in on the citizen page, the way a person does, and waits for the pass.</summary>
    public async Task<IPage> CitizenPageAsync(string phone, string locale = "zh-CN")
    {
        var page = await NewPageAsync(Phone, locale);
        await page.GotoAsync("/citizen/");
        await page.FillAsync("#phone", phone);
        await page.ClickAsync("#phone-form button[type=submit]");
        await page.Locator("#code").WaitForAsync();
        await page.FillAsync("#code", OneTimeCodeFor(phone));
        await page.ClickAsync("#code-form button[type=submit]");
        await page.Locator("#status-card[data-colour]:not([data-colour=''])").WaitForAsync();
        await WaitForQrAsync(page);
        return page;
    }

    public static Task WaitForQrAsync(IPage page) =>
        page.WaitForFunctionAsync("() => { const i = document.getElementById('qr'); return i && i.complete && i.naturalWidth > 0; }");

    /// <summary>Signs a member of staff into the admin console.</summary>
    public async Task<IPage> ConsolePageAsync(string username, ViewportSize? size = null)
    {
        var page = await NewPageAsync(size ?? Desk, "en-GB");
        await page.GotoAsync("/admin");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", Demo.Staff.Single(s => s.Username == username).Password);
        await page.ClickAsync("form button[type=submit]");
        try
        {
            // Arrived once the console's sign-out button is in the document. Waiting for the navigation instead (the
            // URL at "load", then at DOMContentLoaded) timed out twice in CI (2026-12-03, 2026-12-04) with the console
            // there and complete: a navigation event can be missed, an element in the DOM cannot.
            await page.Locator("form.signout button").WaitForAsync();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{username}'s console sign-in did not reach the console: the page is {page.Url}, saying: {await page.InnerTextAsync("body")}", e);
        }
        if (!page.Url.EndsWith("/admin", StringComparison.Ordinal)) throw new InvalidOperationException($"{username}'s sign-in landed on {page.Url}, not /admin");
        return page;
    }

    /// <summary>The gate simulator set up with a demo gate's credential ("瑞金医院" → the clinic's north entrance).</summary>
    public async Task<IPage> GatePageAsync(string venue, ViewportSize? size = null)
    {
        var page = await NewPageAsync(size ?? Desk, "en-GB");
        await page.GotoAsync("/gate/");
        await page.FillAsync("#credential", GateCredential(venue));
        await page.ClickAsync("#setup-form button[type=submit]");
        await page.Locator("#scan-input").WaitForAsync();
        return page;
    }

    public string GateCredential(string venue, string gate = "North entrance") =>
        Demo.Gates.Single(g => g.Venue.StartsWith(venue, StringComparison.Ordinal) && g.Gate == gate).Credential;

    /// <summary>The health case the demo's yellow and red citizens stand under.</summary>
    public async Task<string> DemoCaseIdAsync() =>
        (await Services.GetRequiredService<CityPass.Server.Cases.ICaseStore>().ListAsync(CityPass.Server.Cases.CaseState.All, null, 1000, CancellationToken.None))
            .Single(c => c.OpenedBy == "demo-seed").Id;

    /// <summary>A bulk draft of the demo's citizens under the demo case, straight into the store (for pages that show one).</summary>
    public async Task<Guid> PendingDraftIdAsync()
    {
        var citizens = Services.GetRequiredService<CityPass.Server.Citizens.ICitizenStore>();
        var ids = new List<CityPass.Core.Citizens.CitizenPseudonym>();
        foreach (var phone in new[] { "+8613800000001", "+8613800000004" }) ids.Add((await citizens.FindByPhoneAsync(phone, CancellationToken.None))!.Id);
        var now = DateTimeOffset.UtcNow;
        var draft = await Services.GetRequiredService<CityPass.Server.Authority.IStatusDraftStore>().CreateAsync(new CityPass.Server.Authority.NewStatusDraft(
            CityPass.Core.Citizens.StatusColour.Yellow, "Same carriage, train G7", await DemoCaseIdAsync(), ids, Guid.NewGuid(), "authority", now, now.AddHours(24), null),
            d => new CityPass.Server.Audit.AuditDraft(now, "authority", CityPass.Server.Authority.StatusDraftService.DraftAction, d.Subject, null, "yellow", d.Reason, d.CaseRef),
            CancellationToken.None);
        return draft.Id;
    }

    public async Task<string> CitizenIdAsync(string phone) =>
        (await Services.GetRequiredService<CityPass.Server.Citizens.ICitizenStore>().FindByPhoneAsync(phone, CancellationToken.None))!.Id.ToString();

    /// <summary>
    /// Scans for a contact trace under the demo case: 张小三 in the library an hour ago (entry and exit), two citizens
    /// there at the same time and one after; answers the exposure page's URL for 张小三.
    /// </summary>
    public async Task<string> SeedTraceAsync()
    {
        var library = await VenueIdAsync("上海图书馆");
        var citizens = Services.GetRequiredService<CityPass.Server.Citizens.ICitizenStore>();
        var zhang = (await citizens.FindByPhoneAsync("+8613800000001", CancellationToken.None))!.Id;
        var john = (await citizens.FindByPhoneAsync("+8613800000004", CancellationToken.None))!.Id;
        var at = DateTimeOffset.UtcNow.AddHours(-3);
        CityPass.Server.Scans.ScanRecord Scan(CityPass.Core.Citizens.CitizenPseudonym who, CityPass.Core.Venues.ScanDirection direction, int minutes) => new(
            Guid.NewGuid(), Guid.NewGuid(), library, direction, true, CityPass.Core.Venues.DecisionCode.Allowed, CityPass.Core.Citizens.StatusColour.Green,
            "张*三", who, new CityPass.Core.Keys.IssuerId(310100), new CityPass.Core.Tokens.TokenId(CityPass.Core.Citizens.CitizenPseudonym.NewRandom().Value),
            at.AddMinutes(minutes), at.AddMinutes(minutes));
        var other = CityPass.Core.Citizens.CitizenPseudonym.NewRandom();
        await Services.GetRequiredService<CityPass.Server.Scans.IScanStore>().InsertAsync(
        [
            Scan(zhang, CityPass.Core.Venues.ScanDirection.In, 0), Scan(zhang, CityPass.Core.Venues.ScanDirection.Out, 90),
            Scan(john, CityPass.Core.Venues.ScanDirection.In, 30), Scan(john, CityPass.Core.Venues.ScanDirection.Out, 75),
            Scan(other, CityPass.Core.Venues.ScanDirection.In, -20),
            Scan(CityPass.Core.Citizens.CitizenPseudonym.NewRandom(), CityPass.Core.Venues.ScanDirection.In, 100),
        ], CancellationToken.None);
        return $"/admin/cases/{await DemoCaseIdAsync()}/exposures?citizenId={zhang}";
    }

    public async Task<Guid> VenueIdAsync(string venue) =>
        (await Services.GetRequiredService<IVenueStore>().ListVenuesAsync(null, CancellationToken.None)).Single(v => v.Name.StartsWith(venue, StringComparison.Ordinal)).Id;

    [GeneratedRegex(@"\d{6}")]
    private static partial Regex SixDigits();
}
