using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// Who is inside a venue by its archive: the allowed entries and exits since the venue's midnight (in its time zone),
/// late uploads left out (they never counted). Used where the live figures are missing: Redis lost them, or anti-passback
/// was just turned on and nobody's presence was kept.
/// </summary>
public static class VenueDayTally
{
    private const int PageSize = 1000;

    /// <summary>How many are inside (entries less exits, never below zero) and who is (the citizens whose latest allowed scan is an entry).</summary>
    public static async Task<(int Count, List<CitizenPseudonym> Inside)> TodayAsync(IScanStore scans, Venue venue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(venue.Policy.Hours?.TimeZoneId ?? OpeningHours.Always().TimeZoneId);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var midnight = new DateTimeOffset(local.Date, local.Offset);
        var net = 0;
        var latest = new Dictionary<CitizenPseudonym, bool>();
        ScanCursor? before = null;
        while (true)
        {
            var page = await scans.QueryAsync(new ScanQuery(VenueId: venue.Id, From: midnight, Allowed: true, Before: before, Limit: PageSize), cancellationToken);
            foreach (var r in page)
            {
                // A late upload never counted (it describes the past): it must not count here either.
                if (r.LateUpload) continue;
                net += r.Direction == ScanDirection.In ? 1 : -1;
                // Newest first: the first scan seen of a citizen is their latest.
                if (r.CitizenId is { } id) latest.TryAdd(id, r.Direction == ScanDirection.In);
            }
            if (page.Count < PageSize) break;
            before = ScanCursor.After(page[^1]);
        }
        return (Math.Max(0, net), [.. latest.Where(p => p.Value).Select(p => p.Key)]);
    }
}
