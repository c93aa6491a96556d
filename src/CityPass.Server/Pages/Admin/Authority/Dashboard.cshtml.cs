using System.Globalization;
using CityPass.Server.Admin;
using CityPass.Server.Dashboard;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>
/// The city dashboard (一屏观全城) for the operations centre's big screen: the same read as GET /v1/dashboard, its panels
/// refreshed by htmx polling, the scans chart (Chart.js) redrawn from the data each refresh carries. In this folder
/// because its policy is the dashboard's roles (city admins and the health authority); its address is under /admin/city.
/// </summary>
public sealed class DashboardModel(DashboardService dashboard) : ConsolePageModel
{
    /// <summary>How often a screen refreshes: the roll-ups gain a minute at a time, the counters move every scan.</summary>
    public const int RefreshSeconds = 10;

    public CityDashboard Data { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    /// <summary>The panels alone, for htmx to swap in.</summary>
    public async Task<IActionResult> OnGetPanelsAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        Response.Headers.CacheControl = "no-store";
        return Partial("_DashboardPanels", this);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var outcome = await dashboard.ReadAsync(Scope, DashboardQuery.Default, ct);
        if (outcome.Failure is { } f) return FailureResult(f) ?? NotFound();
        Data = outcome.Value!;
        return null;
    }

    /// <summary>What the chart draws, in the page's JSON block: local minute labels, allowed, refusals per code.</summary>
    public object ChartData => new
    {
        labels = Data.Scans.MinuteStarts.Select(m => ConsoleTime.Local(m).ToString("HH:mm", CultureInfo.InvariantCulture)),
        allowed = Data.Scans.Allowed,
        denied = Data.Scans.DeniedByCode.Select(d => new { code = d.Code, counts = d.Counts }),
    };

    public static string Percent(double? share) => share is { } s ? s.ToString("P0", CultureInfo.InvariantCulture) : "—";

    public static string Change(long n) => n > 0 ? "+" + n.ToString("N0", CultureInfo.InvariantCulture) : n < 0 ? "−" + (-n).ToString("N0", CultureInfo.InvariantCulture) : "±0";

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Words for a gate's problem codes.</summary>
    public static string Problem(string code) => code switch
    {
        "silent" => "silent",
        "clock_drift" => "clock off",
        "uploaded_late" => "uploaded late",
        _ => code,
    };

    public static string Since(DateTimeOffset? at, DateTimeOffset now) => at is not { } t ? "none today"
        : (now - t) switch
        {
            var d when d < TimeSpan.FromMinutes(1) => "just now",
            var d when d < TimeSpan.FromHours(1) => $"{(int)d.TotalMinutes} min ago",
            var d => $"{(int)d.TotalHours} h ago",
        };
}
