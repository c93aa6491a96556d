using CityPass.Core.Citizens;

namespace CityPass.Server.Tracing;

/// <summary>
/// The two range reads contact tracing makes on the scan archive (PostgreSQL, or memory when embedded). Both return
/// allowed, not withdrawn scans of known citizens (this city's passes), oldest first; <see cref="ContactTracer"/> turns
/// them into visits and overlaps, the same way for every store. Neither reads more than its bounds: one citizen's
/// scans in a window, and one venue's scans around each visit, so a trace costs what the case's visits cost.
/// </summary>
public interface IContactTracingStore
{
    /// <summary>The citizen's scans decided in [<paramref name="from"/>, <paramref name="to"/>), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<TracedScan>> CitizenScansAsync(CitizenPseudonym citizen, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>For each window, in order, the scans at its venue decided in [From, To), at most <paramref name="limitPerWindow"/> each (the oldest).</summary>
    Task<IReadOnlyList<IReadOnlyList<TracedScan>>> VenueScansAsync(IReadOnlyList<VenueWindow> windows, int limitPerWindow, CancellationToken cancellationToken);
}
