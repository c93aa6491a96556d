using CityPass.Core.Venues;
using CityPass.Server.Admin;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin.Venues;

/// <summary>Live occupancy (htmx refreshes the count) and a chart of entries, exits and refusals from the per-minute roll-ups.</summary>
public sealed class OccupancyModel(VenueService venues, IScanMinuteStore minutes, TimeProvider clock) : ConsolePageModel
{
    public sealed record SeriesView(IReadOnlyList<string> Labels, IReadOnlyList<long> Entries, IReadOnlyList<long> Exits, IReadOnlyList<long> Refused, int Count, int? Capacity);

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

    /// <summary>The chart's ranges: how far back, and how wide a bar.</summary>
    public static readonly IReadOnlyDictionary<string, (TimeSpan Window, TimeSpan Bucket, string Title)> Ranges = new Dictionary<string, (TimeSpan, TimeSpan, string)>(StringComparer.Ordinal)
    {
        ["2h"] = (TimeSpan.FromHours(2), TimeSpan.FromMinutes(10), "last 2 hours (10-minute intervals)"),
        ["24h"] = (TimeSpan.FromHours(24), TimeSpan.FromHours(1), "last 24 hours (hourly)"),
        ["7d"] = (TimeSpan.FromDays(7), TimeSpan.FromHours(6), "last 7 days (6-hour intervals)"),
    };

    /// <summary>
    /// The chart's data: allowed entries, allowed exits and refusals per bucket, from the per-minute roll-ups the archive
    /// keeps (every archived scan of the range, however many: not a sample of the newest). Scans count when decided.
    /// </summary>
    public async Task<IActionResult> OnGetSeriesAsync(Guid id, string? range, CancellationToken ct)
    {
        if (!Ranges.TryGetValue(range ?? "2h", out var r)) return BadRequest();
        var now = clock.GetUtcNow();
        var occupancy = await venues.GetOccupancyAsync(Scope, id, ct);
        if (occupancy.Failure is { } f) return FailureResult(f) ?? NotFound();
        var (window, bucket, _) = r;
        // Buckets on the city's clock (an hour or six start at local midnight's multiples), the newest holding now.
        var offset = ConsoleTime.Local(now).Offset;
        var localTicks = now.UtcTicks + offset.Ticks;
        var start = new DateTimeOffset(localTicks - localTicks % bucket.Ticks - offset.Ticks, TimeSpan.Zero) - window + bucket;
        var buckets = (int)(window / bucket);
        var rows = await minutes.MinutesAsync(start, start + window, id, ct);
        long[] entries = new long[buckets], exits = new long[buckets], refused = new long[buckets];
        foreach (var m in rows)
        {
            var i = (int)((m.Minute - start) / bucket);
            if (i < 0 || i >= buckets) continue;
            if (!m.Allowed) refused[i] += m.Scans;
            else if (m.Direction == ScanDirection.In) entries[i] += m.Scans;
            else exits[i] += m.Scans;
        }
        var format = bucket >= TimeSpan.FromHours(6) ? "MM-dd HH:mm" : "HH:mm";
        var labels = Enumerable.Range(0, buckets).Select(i => ConsoleTime.Local(start + bucket * i).ToString(format, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new SeriesView(labels, entries, exits, refused, occupancy.Value!.Count, occupancy.Value.Capacity));
    }
}
