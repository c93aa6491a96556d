using CityPass.Server.Admin;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>Live occupancy (htmx refreshes the count) and a chart of entries, exits and refusals from the scan log.</summary>
public sealed class OccupancyModel(VenueService venues, ScanLogService log, TimeProvider clock) : ConsolePageModel
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(2);
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(10);

    public sealed record SeriesView(IReadOnlyList<string> Labels, IReadOnlyList<int> Entries, IReadOnlyList<int> Exits, IReadOnlyList<int> Refused, int Count, int? Capacity);

    public VenueView Venue { get; private set; } = null!;

    public OccupancyView Now { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var venue = await venues.GetAsync(Scope, id, ct);
        if (venue.Failure is { } f) return FailureResult(f) ?? NotFound();
        Venue = venue.Value!;
        Now = (await venues.GetOccupancyAsync(Scope, id, ct)).Value!;
        return Page();
    }

    public async Task<IActionResult> OnGetNowAsync(Guid id, CancellationToken ct)
    {
        var now = await venues.GetOccupancyAsync(Scope, id, ct);
        return now.Failure is { } f ? FailureResult(f) ?? NotFound() : Partial("_OccupancyNow", now.Value);
    }

    /// <summary>The chart's data: allowed entries, allowed exits and refusals per 10 minutes (the newest 1000 scans of the window).</summary>
    public async Task<IActionResult> OnGetSeriesAsync(Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var occupancy = await venues.GetOccupancyAsync(Scope, id, ct);
        if (occupancy.Failure is { } f) return FailureResult(f) ?? NotFound();
        var page = await log.VenueScansAsync(Scope, id, new ScanFilter(now - Window, now, null, null, null, 1000), ct);
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % Bucket.Ticks, TimeSpan.Zero) - Window + Bucket;
        var buckets = (int)(Window / Bucket);
        int[] entries = new int[buckets], exits = new int[buckets], refused = new int[buckets];
        foreach (var s in page.Value?.Items ?? [])
        {
            var i = (int)((s.DecidedAt - start) / Bucket);
            if (i < 0 || i >= buckets) continue;
            if (s.Decision != "allow") refused[i]++;
            else if (s.Direction == "in") entries[i]++;
            else exits[i]++;
        }
        var labels = Enumerable.Range(0, buckets).Select(i => ConsoleTime.Local(start + Bucket * i).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new SeriesView(labels, entries, exits, refused, occupancy.Value!.Count, occupancy.Value.Capacity));
    }
}
