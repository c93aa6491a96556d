using CityPass.Core.Citizens;
using CityPass.Core.Venues;

namespace CityPass.Server.Tracing;

/// <summary>
/// The rule of contact tracing, in one place for every store: scans become visits, and visits at the same venue
/// overlap. A visit starts at an allowed entry and ends at the citizen's next scan at that venue when it is an exit
/// within <see cref="TracingOptions.MaxVisit"/>; otherwise at the entry plus the venue type's dwell time, or at the
/// citizen's next entry there if that comes first (nobody is inside twice). Only scans at the same venue count, for
/// the index citizen and for contacts alike, so both are judged by the same rule from the same kind of data.
/// </summary>
public static class ContactTracer
{
    /// <summary>One citizen's visits from their scans (any venues, any order), oldest entry first.</summary>
    public static List<Visit> Visits(IEnumerable<TracedScan> scans, Func<Guid, TimeSpan> dwellAt, TimeSpan maxVisit)
    {
        var visits = new List<Visit>();
        foreach (var atVenue in scans.GroupBy(s => (s.Citizen, s.VenueId)))
        {
            var dwell = dwellAt(atVenue.Key.VenueId);
            var ordered = atVenue.OrderBy(s => s.At).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var entry = ordered[i];
                if (entry.Direction != ScanDirection.In) continue;
                var next = i + 1 < ordered.Count ? ordered[i + 1] : null;
                visits.Add(next switch
                {
                    { Direction: ScanDirection.Out } when next.At - entry.At <= maxVisit => new Visit(entry.Citizen, entry.VenueId, entry.At, next.At, VisitEnd.Exit),
                    { Direction: ScanDirection.In } when next.At < entry.At + dwell => new Visit(entry.Citizen, entry.VenueId, entry.At, next.At, VisitEnd.NextEntry),
                    _ => new Visit(entry.Citizen, entry.VenueId, entry.At, entry.At + dwell, VisitEnd.Dwell),
                });
            }
        }
        visits.Sort((a, b) => a.Entry.CompareTo(b.Entry));
        return visits;
    }

    /// <summary>
    /// The window whose scans hold every visit that can overlap <paramref name="visit"/>, with the scans that end those
    /// visits: a visit lasts at most <paramref name="maxVisit"/>, so it entered no earlier than that before the visit,
    /// and its exit (or its next entry) came no later than that after the visit's end.
    /// </summary>
    public static VenueWindow WindowAround(Visit visit, TimeSpan maxVisit) => new(visit.VenueId, visit.Entry - maxVisit, visit.End + maxVisit);

    /// <summary>Other citizens' stays that overlap <paramref name="visit"/>, from the scans of its <see cref="WindowAround"/>.</summary>
    public static IEnumerable<(CitizenPseudonym Citizen, DateTimeOffset From, DateTimeOffset To)> Overlaps(Visit visit, IEnumerable<TracedScan> venueScans, TimeSpan dwell, TimeSpan maxVisit)
    {
        foreach (var other in Visits(venueScans.Where(s => s.Citizen != visit.Citizen && s.VenueId == visit.VenueId), _ => dwell, maxVisit))
        {
            var from = other.Entry > visit.Entry ? other.Entry : visit.Entry;
            var to = other.End < visit.End ? other.End : visit.End;
            if (to > from) yield return (other.Citizen, from, to);
        }
    }
}
