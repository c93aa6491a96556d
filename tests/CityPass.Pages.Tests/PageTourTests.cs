using System.Net.Http.Json;
using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// Every page, in the browser: none scrolls sideways on a 360 px phone, none logs a script or CSP
/// error, and each is captured as a screenshot. With CITYPASS_SCREENSHOTS=&lt;dir&gt; the screenshots
/// go there (scripts/screenshots.sh writes docs/screenshots/); otherwise to a temporary folder.
/// </summary>
public sealed class PageTourTests(PagesApp app) : IClassFixture<PagesApp>, IDisposable
{
    private const string Clinic = "瑞金医院";
    private readonly string _shots = Environment.GetEnvironmentVariable("CITYPASS_SCREENSHOTS") is { Length: > 0 } dir
        ? Directory.CreateDirectory(dir).FullName
        : Directory.CreateTempSubdirectory("citypass-shots-").FullName;
    private readonly bool _keep = Environment.GetEnvironmentVariable("CITYPASS_SCREENSHOTS") is { Length: > 0 };

    [Fact]
    public async Task NoPageScrollsSidewaysAt360Px()
    {
        var clinic = await app.VenueIdAsync(Clinic);
        var estate = await app.VenueIdAsync("阳光小区");
        var pages = new List<(IPage Page, string Path)>();
        var anonymous = await app.NewPageAsync(PagesApp.Phone);
        foreach (var path in new[] { "/", "/citizen/", "/gate/", "/public/", "/admin/signin" }) pages.Add((anonymous, path));
        var citizen = await app.CitizenPageAsync("+8613800000001");
        pages.Add((citizen, "/citizen/"));
        var gate = await app.GatePageAsync(Clinic, PagesApp.Phone);
        pages.Add((gate, "/gate/"));
        var authority = await app.ConsolePageAsync("admin", PagesApp.Phone);
        foreach (var path in new[] { "/admin", $"/admin/venues/{clinic}/gates", $"/admin/venues/{clinic}/policy", $"/admin/venues/{clinic}/occupancy",
                     $"/admin/venues/{clinic}/scans", "/admin/citizens?q=%2B8613800000001", "/admin/audit", "/admin/trusted-cities", "/admin/keys", "/admin/staff",
                     "/admin/cases", $"/admin/cases/{await app.DemoCaseIdAsync()}", "/admin/drafts", $"/admin/drafts/{await app.PendingDraftIdAsync()}", await app.SeedTraceAsync(), "/admin/appeals", "/admin/import",
                     $"/admin/venues/{estate}/residents", $"/admin/venues/{estate}/visitors", $"/admin/venues/{clinic}/disclosures",
                     "/admin/city/dashboard" })
        {
            pages.Add((authority, path));
        }

        var wide = new List<string>();
        foreach (var (page, path) in pages)
        {
            if (!page.Url.EndsWith(path, StringComparison.Ordinal)) await page.GotoAsync(path);
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            var (scrollWidth, viewport) = (widths[0], widths[1]);
            // A page wider than the screen can also show as a wider layout viewport (the phone zooms out to fit it).
            if (scrollWidth > 360 || viewport > 360) wide.Add($"{path}: {scrollWidth} px wide in a {viewport} px layout viewport (360 px screen)");
        }
        Assert.Empty(wide);
    }

    [Fact]
    public async Task EveryPageRendersWithoutScriptOrCspErrors()
    {
        var watches = new List<PageWatch>();
        async Task<IPage> Watched(Task<IPage> opening)
        {
            var p = await opening;
            watches.Add(new PageWatch(p));
            return p;
        }
        var clinic = await app.VenueIdAsync(Clinic);

        // Citizen, on a phone.
        var signIn = await Watched(app.NewPageAsync(PagesApp.Phone));
        await signIn.GotoAsync("/citizen/");
        await Shot(signIn, "citizen-sign-in");

        var green = await Watched(app.CitizenPageAsync("+8613800000001"));
        await Expect(green.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "green");
        await Shot(green, "citizen-pass-green");
        await green.ClickAsync("#tab-eid");
        await Expect(green.Locator("#cred-eid_verified")).ToContainTextAsync("已核验");
        await Shot(green, "citizen-e-id");
        await green.ClickAsync("#tab-sscard");
        await Expect(green.Locator("#cred-social_security_card")).ToContainTextAsync("已核验");
        await Shot(green, "citizen-social-security-card");
        // 张小三 lives at the demo estate: the estate tab has the visit form and the visitors to approve.
        await green.ClickAsync("#tab-estate");
        await Expect(green.Locator("#hosting")).ToBeVisibleAsync();
        await Expect(green.Locator("#visit-estate option")).Not.ToHaveCountAsync(0);
        await Shot(green, "citizen-estate");

        var red = await Watched(app.CitizenPageAsync("+8613800000003"));
        await Expect(red.Locator("#status-card")).ToHaveAttributeAsync("data-colour", "red");
        await Shot(red, "citizen-pass-red");
        // The red citizen appeals from the phone (the form sits under the health facts, above the status history).
        await red.FillAsync("#appeal-reason", "检测样本条码错误 The lab mixed up the barcode");
        await red.ClickAsync("#appeal-form button[type=submit]");
        await Expect(red.Locator("#appeal-state-badge")).ToHaveAttributeAsync("data-state", "open");
        await Expect(red.Locator("#history-list li")).Not.ToHaveCountAsync(0);
        await red.Locator("#appeal").ScrollIntoViewIfNeededAsync();
        await Shot(red, "citizen-appeal-and-history");

        // The gate, on a tablet-sized screen.
        var gate = await Watched(app.GatePageAsync(Clinic, new ViewportSize { Width = 900, Height = 640 }));
        await gate.Keyboard.TypeAsync(await QrDecoder.ReadAsync(green.Locator("#qr")));
        await gate.Keyboard.PressAsync("Enter");
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "allow");
        await Shot(gate, "gate-allow", fullPage: false);
        var redPass = await QrDecoder.ReadAsync(red.Locator("#qr"));
        await gate.Keyboard.TypeAsync(redPass);
        await gate.Keyboard.PressAsync("Enter");
        await Expect(gate.Locator("#verdict")).ToHaveAttributeAsync("data-decision", "deny");
        await Shot(gate, "gate-deny", fullPage: false);
        await gate.ClickAsync("#verdict");
        await Shot(gate, "gate-last-scans", fullPage: false);

        await green.ClickAsync("#tab-scans");
        await Expect(green.Locator("#scan-list li")).ToHaveCountAsync(1);
        await Shot(green, "citizen-scan-history");
        await green.ClickAsync("#lang-toggle");
        await green.ClickAsync("#tab-health");
        await Expect(green.Locator("#status-words")).ToContainTextAsync("Green code");
        await Shot(green, "citizen-pass-english");

        // Elder-care mode: the pass alone in large type, then the rest one tap away.
        var elder = await Watched(app.CitizenPageAsync("+8613800000002"));
        await elder.ClickAsync("#elder-toggle");
        await Expect(elder.Locator("#details-toggle")).ToBeVisibleAsync();
        await Shot(elder, "citizen-elder-mode");
        await elder.ClickAsync("#details-toggle");
        await Expect(elder.Locator("#panel-health")).ToBeVisibleAsync();
        await Shot(elder, "citizen-elder-mode-details");

        // The console, at a desk.
        var console = await Watched(app.NewPageAsync(PagesApp.Desk, "en-GB"));
        await console.GotoAsync("/admin/signin");
        await Shot(console, "admin-sign-in");
        var office = await Watched(app.ConsolePageAsync("estate"));
        var estate = await app.VenueIdAsync("阳光小区");
        await office.GotoAsync($"/admin/venues/{estate}/residents");
        await Expect(office.Locator("table.grid tbody")).ToContainTextAsync("3-2-501");
        await Shot(office, "admin-estate-residents");
        await office.GotoAsync($"/admin/venues/{estate}/visitors");
        await Shot(office, "admin-estate-visitors");

        var op = await Watched(app.ConsolePageAsync("clinic"));
        await Shot(op, "admin-venues");
        await op.GotoAsync($"/admin/venues/{clinic}/policy");
        await op.CheckAsync("input[name='Form.AllowedColours'][value=red]");
        await Expect(op.Locator("#preview td[data-colour=red][data-credentials='social_security_card']")).ToContainTextAsync("ALLOW");
        await op.UncheckAsync("input[name='Form.AllowedColours'][value=red]");
        await Expect(op.Locator("#preview td[data-colour=red][data-credentials='social_security_card']")).ToContainTextAsync("status_not_allowed");
        // Opening hours per weekday: the rows show only for a timetable.
        await Expect(op.Locator("input[data-day=monday]")).ToBeHiddenAsync();
        await op.CheckAsync("input[name='Form.HoursMode'][value=weekly]");
        foreach (var day in new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }) await op.FillAsync($"input[data-day={day}]", "08:00-20:00");
        await op.FillAsync("input[data-day=saturday]", "09:00-12:00, 14:00-17:00");
        await Expect(op.Locator("input[data-day=sunday]")).ToBeVisibleAsync();
        await Shot(op, "admin-policy-preview");
        await op.GotoAsync($"/admin/venues/{clinic}/occupancy");
        await Expect(op.Locator("#occupancy-chart")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(op.Locator("[data-testid=occupancy-count]")).ToHaveTextAsync("1");
        await Shot(op, "admin-occupancy");
        // A gate that was offline uploads its journal: it let the red pass in by the pass alone; the server disagrees.
        using (var offlineGate = new HttpClient { BaseAddress = new Uri(app.BaseUrl) })
        {
            offlineGate.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Gate", app.GateCredential(Clinic, "South entrance"));
            var upload = await offlineGate.PostAsJsonAsync("/v1/gates/me/journal", new
            {
                entries = new[] { new { scanId = Guid.NewGuid(), text = redPass, direction = "in", scannedAt = DateTimeOffset.UtcNow,
                    offline = new { decision = "allow", code = "allowed", flagged = false } } },
            });
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }
        await op.GotoAsync($"/admin/venues/{clinic}/scans");
        await Expect(op.Locator("#scan-log tbody tr")).ToHaveCountAsync(3);
        await Expect(op.Locator("#scan-log .badge.disagrees")).ToHaveCountAsync(1);
        await Shot(op, "admin-scan-log");

        // Provisioning: the secret is shown once, also as a QR (and a link) that enrols a device: the gate simulator, or the gate SDK.
        await op.GotoAsync($"/admin/venues/{clinic}/gates");
        await op.Locator("table.grid tbody tr", new() { HasText = "South entrance" }).Locator("button", new() { HasText = "New credential" }).ClickAsync();
        await Expect(op.Locator(".issued")).ToBeVisibleAsync();
        await Shot(op, "admin-gate-credential");
        var enrolUrl = await QrDecoder.ReadAsync(op.Locator(".enrol-qr"));
        var credential = await op.Locator("#credential").InputValueAsync();
        // The link pins the city's federation key for the gate SDK; the browser gate reads the credential alone.
        Assert.Equal(await op.Locator("#enrolment-link").InputValueAsync(), enrolUrl);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape($"{app.BaseUrl}/gate/#credential={credential}&federation=")}[0-9a-f]{{64}}$", enrolUrl);
        var enrolled = await Watched(app.NewPageAsync(PagesApp.Desk, "en-GB"));
        await enrolled.GotoAsync(enrolUrl);
        await Expect(enrolled.Locator("#scan-input")).ToBeFocusedAsync();
        await enrolled.Keyboard.TypeAsync(await QrDecoder.ReadAsync(green.Locator("#qr")));
        await enrolled.Keyboard.PressAsync("Enter");
        // The newly enrolled gate answers; this very pass already opened the venue once, so: no second entry on it.
        await Expect(enrolled.Locator("#verdict")).ToHaveAttributeAsync("data-code", "token_replayed");

        var authority = await Watched(app.ConsolePageAsync("authority"));
        await authority.GotoAsync("/admin/citizens?q=%2B8613800000002");
        await authority.CheckAsync("input[name=colour][value=green]");
        await authority.FillAsync("#reason", "Negative test after 7 days");
        await authority.FillAsync("#caseRef", "SH-2026-0007");
        await authority.ClickAsync("form button.primary");
        await Expect(authority.Locator(".notice")).ToContainTextAsync("green");
        await Shot(authority, "admin-citizen-status");
        await authority.GotoAsync("/admin/audit");
        await Expect(authority.Locator("table.audit tbody")).ToContainTextAsync("SH-2026-0007");
        await Shot(authority, "admin-audit");
        // The cases, and the demo's case with every citizen it touched.
        await authority.GotoAsync("/admin/cases");
        await Expect(authority.Locator("#cases tbody tr")).Not.ToHaveCountAsync(0);
        await Shot(authority, "admin-cases");
        await authority.GotoAsync($"/admin/cases/{await app.DemoCaseIdAsync()}");
        await Expect(authority.Locator("#case-changes tbody")).ToContainTextAsync("王*");
        await Shot(authority, "admin-case");
        // Four eyes: a bulk change drafted, waiting for a second approver.
        await authority.GotoAsync("/admin/drafts");
        await authority.FillAsync("textarea[name=ids]", string.Join("\n", await app.CitizenIdAsync("+8613800000001"), await app.CitizenIdAsync("+8613800000004")));
        await authority.SelectOptionAsync("select[name=colour]", "yellow");
        await authority.FillAsync("input[name=reason]", "Same carriage, train G7");
        await authority.FillAsync("input[name=caseRef]", await app.DemoCaseIdAsync());
        await authority.ClickAsync("button:has-text('Draft for approval')");
        await Expect(authority.Locator("[data-testid=draft-state]")).ToHaveTextAsync("pending");
        await Shot(authority, "admin-draft");
        await authority.GotoAsync(await app.SeedTraceAsync());
        await Expect(authority.Locator("#exposures tbody tr")).Not.ToHaveCountAsync(0);
        await Shot(authority, "admin-exposures");
        // The appeals queue, with the red citizen's appeal.
        await authority.GotoAsync("/admin/appeals");
        await Expect(authority.Locator("li.appeal")).Not.ToHaveCountAsync(0);
        await Shot(authority, "admin-appeals");
        // Bulk import: the file streamed in, then the report with the rejected rows by line.
        await authority.GotoAsync("/admin/import");
        await authority.SetInputFilesAsync("#import-file", new FilePayload
        {
            Name = "citizens-2026-05.csv", MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes("externalId,phone,fullName,credentials\n" +
                string.Concat(Enumerable.Range(0, 1200).Select(i => $"TOUR-{i},+86136{i:D8},Citizen {i},health_record;eid_verified\n")) +
                "TOUR-X,call me,No Phone,\nTOUR-Y,+8613600000001,Same Phone,\n,+8613699999999,No Id,\n"),
        });
        await authority.ClickAsync("#import-submit");
        await Expect(authority.Locator("#import-errors tbody tr")).ToHaveCountAsync(3);
        await Shot(authority, "admin-import");

        // A city admin trusts another city: its pinned key first (pending), then its signed document by hand (fresh).
        var guangzhou = CityPass.Core.Keys.IssuerKeySet.Generate(new CityPass.Core.Keys.IssuerId(440100), CityPass.Core.Keys.SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = CityPass.Core.Federation.FederationKey.Generate(CityPass.Core.Keys.SignatureSuite.Es256);
        var admin = await Watched(app.ConsolePageAsync("admin"));
        await admin.GotoAsync("/admin/trusted-cities");
        await admin.FillAsync("input[name=issuer]", "440100");
        await admin.FillAsync("input[name=name]", "广州");
        await admin.FillAsync("textarea[name=federationPublicKey]", Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo()));
        await admin.ClickAsync("button:has-text('Trust this city')");
        await Expect(admin.Locator(".notice")).ToContainTextAsync("440100 added");
        var row = admin.Locator("table.grid tbody tr", new() { HasText = "440100" });
        await Expect(row.Locator(".badge").First).ToHaveTextAsync("pending");
        await row.Locator("summary").ClickAsync();
        await row.Locator("textarea[name=document]").FillAsync(
            CityPass.Core.Federation.SignedKeySet.Sign(guangzhou.PublicKeys, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), federation.Key));
        await row.Locator("button:has-text('Upload')").ClickAsync();
        await Expect(admin.Locator(".notice")).ToContainTextAsync("a newer document was accepted");
        await Expect(admin.Locator("table.grid tbody tr", new() { HasText = "440100" }).Locator(".badge").First).ToHaveTextAsync("fresh");
        await Shot(admin, "admin-trusted-cities");

        // Keys: a city admin creates a key that takes over tomorrow: published now, pending until then.
        await admin.GotoAsync("/admin/keys");
        await admin.FillAsync("#create-key input[name=reason]", "yearly rotation");
        await admin.ClickAsync("button:has-text('Create key')");
        await Expect(admin.Locator(".notice")).ToContainTextAsync("A new signing key and secret were created");
        await Expect(admin.Locator("tr[data-key=signing-2] .badge").First).ToHaveTextAsync("pending");
        await Shot(admin, "admin-keys");

        // Staff: a city admin resets a member of staff's password; the new one is shown once.
        await admin.GotoAsync("/admin/staff");
        var libraryAccount = admin.Locator("li.staff[data-username=library]");
        await libraryAccount.Locator("button:has-text('Reset password')").ClickAsync();
        await Expect(admin.Locator("#temporary-password")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z2-9]{16}$"));
        await Shot(admin, "admin-staff");

        // The city dashboard on the operations centre's screen, and on a laptop.
        foreach (var (size, name) in new[] { (new ViewportSize { Width = 1920, Height = 1080 }, "admin-city-dashboard"), (new ViewportSize { Width = 1366, Height = 768 }, "admin-city-dashboard-laptop") })
        {
            var screen = await Watched(app.ConsolePageAsync("authority", size));
            await screen.GotoAsync("/admin/city/dashboard");
            await Expect(screen.Locator("#dashboard-chart")).ToHaveAttributeAsync("data-loaded", "1");
            await Shot(screen, name, fullPage: false);
        }

        var pub = await Watched(app.NewPageAsync(PagesApp.Phone));
        await pub.GotoAsync("/public/");
        await Expect(pub.Locator(".venue")).ToHaveCountAsync(4);
        await Shot(pub, "public-occupancy");

        var errors = watches.SelectMany(w => w.Errors).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private async Task Shot(IPage page, string name, bool fullPage = true)
    {
        var file = Path.Combine(_shots, name + ".png");
        // The moving mark would make every run's picture differ; pause animations for the picture.
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(file).Length > 1000, name + " is empty");
    }

    public void Dispose()
    {
        if (!_keep) Directory.Delete(_shots, recursive: true);
    }
}
