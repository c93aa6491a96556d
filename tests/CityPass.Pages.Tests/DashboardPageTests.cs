using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Pages.Tests.Support;
using CityPass.Server.Scans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityPass.Pages.Tests;

/// <summary>
/// The city dashboard on the operations centre's screen (1920×1080) and on a laptop (1366×768): it fits without
/// scrolling sideways, draws the scans chart, and its panels and chart follow new scans by themselves (htmx polling).
/// </summary>
public sealed class DashboardPageTests(PagesApp app) : IClassFixture<PagesApp>
{
    private static readonly ViewportSize BigScreen = new() { Width = 1920, Height = 1080 };
    private static readonly ViewportSize Laptop = new() { Width = 1366, Height = 768 };

    private static async Task<long> ScansShownAsync(IPage page) =>
        long.Parse((await page.Locator("[data-testid=kpi-scans] .kpi-value").InnerTextAsync()).Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheDashboardRendersOnABigScreenAndUpdatesByItself()
    {
        var page = await app.ConsolePageAsync("authority", BigScreen);
        var watch = new PageWatch(page);
        await page.GotoAsync("/admin/city/dashboard");
        await Expect(page.Locator("h1")).ToContainTextAsync("City dashboard");
        await Expect(page.Locator("#dashboard-chart")).ToHaveAttributeAsync("data-loaded", "1");
        var before = await ScansShownAsync(page);

        // The big screen's layout: no sideways scroll; the chart and the colour mix side by side; the summary, the chart
        // and the colour mix all on the first screen.
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{widths[0]} px wide in a {widths[1]} px window");
        var chart = (await page.Locator(".dash-chart").BoundingBoxAsync())!;
        var population = (await page.Locator(".dash-population").BoundingBoxAsync())!;
        Assert.True(population.X > chart.X + chart.Width - 1, "the colour mix sits beside the chart");
        Assert.True(chart.Y + chart.Height <= BigScreen.Height, "the chart is on the first screen");

        // Scans archived now (straight into the archive: what the archiver does) show within a refresh or two.
        var library = await app.VenueIdAsync("上海图书馆");
        var now = DateTimeOffset.UtcNow;
        var records = Enumerable.Range(0, 7).Select(i => new ScanRecord(Guid.NewGuid(), Guid.NewGuid(), library, ScanDirection.In, i < 5,
            i < 5 ? DecisionCode.Allowed : DecisionCode.VenueFull, StatusColour.Green, "张*三", null, new IssuerId(310000), TokenId.NewRandom(), now, now)).ToList();
        await app.Services.GetRequiredService<IScanStore>().InsertAsync(records, CancellationToken.None);

        await Expect(page.Locator("[data-testid=kpi-scans] .kpi-value")).ToHaveTextAsync((before + 7).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            new() { Timeout = 25_000 });
        await Expect(page.Locator("#dashboard-chart")).Not.ToHaveAttributeAsync("data-loaded", "1");
        await Expect(page.Locator("[data-testid=busiest-venues]")).ToContainTextAsync("上海图书馆");
        Assert.True(await page.EvaluateAsync<bool>("() => Chart.getChart('dashboard-chart').data.datasets.some(d => d.label === 'venue full')"),
            "the chart shows the new refusal reason");
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task OnALaptopTheChartTakesTheWidthAndNothingScrollsSideways()
    {
        var page = await app.ConsolePageAsync("admin", Laptop);
        await page.GotoAsync("/admin/city/dashboard");
        await Expect(page.Locator("#dashboard-chart")).ToHaveAttributeAsync("data-loaded", "1");
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{widths[0]} px wide in a {widths[1]} px window");
        var chart = (await page.Locator(".dash-chart").BoundingBoxAsync())!;
        var population = (await page.Locator(".dash-population").BoundingBoxAsync())!;
        Assert.True(chart.Width > Laptop.Width * 0.9, $"the chart is {chart.Width} px wide");
        Assert.True(population.Y >= chart.Y + chart.Height, "the colour mix goes below the chart");
    }
}
