using System.Text;
using CityPass.Pages.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>The console's bulk import in the browser: the file streams in with a progress bar, then the per-row report.</summary>
public sealed class ImportPageTests(PagesApp app) : IClassFixture<PagesApp>
{
    private const string Header = "externalId,phone,fullName,credentials\n";

    /// <summary><paramref name="count"/> good rows under <paramref name="prefix"/>, phones unique to it; row i is on line i + 2.</summary>
    private static List<string> Rows(string prefix, int phoneBlock, int count) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}-{i},+86135{phoneBlock:D2}{i:D6},Citizen {prefix} {i},health_record").ToList();

    private static FilePayload Csv(string name, IEnumerable<string> rows) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Header + string.Join("\n", rows) + "\n") };

    [Fact]
    public async Task AFileOfThousandsOfRowsUploadsWithProgressAndReportsTheBadRowsByLine()
    {
        var rows = Rows("PG", 1, 3000);
        rows[1000] = "PG-1000,not a phone,Bad Phone,";                       // line 1002
        rows[2500] = $"PG-2500,{rows[10].Split(',')[1]},Same Phone As PG-10,"; // line 2502: another citizen's phone
        var page = await app.ConsolePageAsync("authority");
        await page.GotoAsync("/admin/import");
        // Slow the upload to some 100 KB/s, so the bar is seen between 0 and 100 and not only at the end.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 100_000,
        });
        await page.EvaluateAsync("""
            () => {
              window.seen = [];
              const bar = document.getElementById('import-progress');
              new MutationObserver(() => window.seen.push(Number(bar.value))).observe(bar, { attributes: true, attributeFilter: ['value'] });
            }
            """);

        await page.SetInputFilesAsync("#import-file", Csv("citizens.csv", rows));
        await page.ClickAsync("#import-submit");

        await Expect(page.Locator("#import-counts [data-count=rows]")).ToHaveAttributeAsync("data-value", "3000", new() { Timeout = 30_000 });
        await Expect(page.Locator("#import-progress")).ToHaveAttributeAsync("value", "100");
        await Expect(page.Locator("#import-progress-text")).ToContainTextAsync("(100%)");
        var seen = await page.EvaluateAsync<int[]>("() => window.seen");
        Assert.True(seen.Any(v => v is > 0 and < 100), $"no progress between 0 and 100: {string.Join(",", seen)}");
        Assert.Equal(seen.Order(), seen); // it only goes forward

        await Expect(page.Locator("#import-counts [data-count=created]")).ToHaveAttributeAsync("data-value", "2998");
        await Expect(page.Locator("#import-counts [data-count=rejected]")).ToHaveAttributeAsync("data-value", "2");
        await Expect(page.Locator("#import-errors tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#import-errors tbody tr").Nth(0)).ToContainTextAsync("1002");
        await Expect(page.Locator("#import-errors tbody tr").Nth(0)).ToContainTextAsync("phone");
        await Expect(page.Locator("#import-errors tbody tr").Nth(1)).ToContainTextAsync("2502");
        await Expect(page.Locator("#import-errors tbody tr").Nth(1)).ToContainTextAsync("belongs to another citizen");
        await Expect(page.Locator("h2")).ToContainTextAsync("citizens.csv");

        // Imported: the Citizens page finds one.
        await page.GotoAsync("/admin/citizens?q=PG-2999");
        await Expect(page.Locator("#citizen-title")).ToContainTextAsync("Citizen PG 2999");
    }

    [Fact]
    public async Task WithoutScriptTheFormPostsTheFileAndShowsTheReport()
    {
        var context = await app.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = PagesApp.Desk, JavaScriptEnabled = false, Locale = "en-GB" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/signin");
        await page.FillAsync("#username", "authority");
        await page.FillAsync("#password", app.Demo.Staff.Single(s => s.Username == "authority").Password);
        await page.ClickAsync("form button[type=submit]");
        await page.Locator("form.signout button").WaitForAsync(); // signed in (see PagesApp.ConsolePageAsync for why not the URL)

        await page.GotoAsync("/admin/import");
        var rows = Rows("NS", 2, 5);
        rows[3] = "NS-3,+8613502000003,Bad Credential,passport"; // line 5
        await page.SetInputFilesAsync("#import-file", Csv("no-script.csv", rows));
        await page.ClickAsync("#import-submit");

        await Expect(page.Locator("#import-counts [data-count=created]")).ToHaveAttributeAsync("data-value", "4");
        await Expect(page.Locator("#import-errors tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#import-errors tbody tr")).ToContainTextAsync("credentials");
        await Expect(page.Locator("#import-errors td[data-line]")).ToHaveTextAsync("5");
    }

    [Fact]
    public async Task AWrongFileAndAStoppedImportAreShownInWordsWithTheirCode()
    {
        var page = await app.ConsolePageAsync("authority");
        await page.GotoAsync("/admin/import");
        await page.SetInputFilesAsync("#import-file", new FilePayload { Name = "citizens.xlsx", MimeType = "application/vnd.ms-excel", Buffer = [1, 2, 3] });
        await page.ClickAsync("#import-submit");
        await Expect(page.Locator("[data-testid=import-refused]")).ToHaveAttributeAsync("data-code", "unsupported_media_type");
        await Expect(page.Locator("[data-testid=import-refused]")).ToContainTextAsync("a .csv or .ndjson file");
        await Expect(page.Locator("[data-testid=import-refused]")).ToContainTextAsync("415 unsupported_media_type");

        // An unclosed quote stops the import there; the rows before it are kept and counted.
        var rows = Rows("ST", 3, 3);
        rows[2] = "ST-2,+8613503000002,\"Never closed,";
        rows.Add("ST-3,+8613503000003,Swallowed,");
        await page.SetInputFilesAsync("#import-file", Csv("stops.csv", rows));
        await page.ClickAsync("#import-submit");
        await Expect(page.Locator("[data-testid=import-stopped]")).ToContainTextAsync("Line 4: a quoted field is not closed.");
        await Expect(page.Locator("#import-counts [data-count=created]")).ToHaveAttributeAsync("data-value", "2");
        await Expect(page.Locator("[data-testid=import-refused]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AVenueOperatorCannotOpenTheImportPage()
    {
        var page = await app.ConsolePageAsync("library");
        await Expect(page.Locator("header nav a[href='/admin/import']")).ToHaveCountAsync(0);
        Assert.Equal(403, (await page.GotoAsync("/admin/import"))!.Status);
        await Expect(page.Locator("#import-form")).ToHaveCountAsync(0);
    }
}
