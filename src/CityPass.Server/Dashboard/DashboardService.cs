using CityPass.Core.Venues;
using CityPass.Server.Admin;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Federation;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Venues;

namespace CityPass.Server.Dashboard;

/// <summary>
/// Reads the city dashboard for the API and the console alike. Every part is a bounded read: the scan series and the
/// busiest venues from the per-minute roll-ups (never the scans), the population from the citizens' statuses, occupancy
/// from the hot state's counters, gates from each one's newest scans (two index probes a gate), trusted cities from
/// their store. The parts are read at once; none writes anything (nothing here is audited: it shows no citizen).
/// </summary>
public sealed class DashboardService(IScanMinuteStore minutes, IScanStore scans, ICitizenStore citizens, IVenueStore venues, IHotState hot,
    TrustedCityService trustedCities, TimeProvider clock)
{
    /// <summary>
    /// How old the population's colour mix may be. Counting it is a pass over every citizen and a lookup per status change
    /// of the day (hundreds of milliseconds at a million citizens: loadtests/dashboard), while statuses change a few
    /// times a minute: it is read at most this often, in the background, and a screen's poll never waits for it.
    /// </summary>
    public static readonly TimeSpan PopulationMaxAge = TimeSpan.FromSeconds(30);

    private readonly Lock _populationLock = new();
    private (DateTimeOffset Today, DateTimeOffset ReadAt, Task<IReadOnlyList<ColourCount>> Mix)? _population;
    private Task<IReadOnlyList<ColourCount>>? _populationRefresh;

    /// <summary>The console's gate list warns beyond this drift too (GatesModel.ClockWarningSeconds).</summary>
    public const double ClockDriftSeconds = 30;

    /// <summary>A gate that uploaded late scans this recently was offline not long ago.</summary>
    public static readonly TimeSpan UploadedLateWithin = TimeSpan.FromHours(1);

    /// <summary>How many gates with problems are listed (the counts cover them all).</summary>
    public const int GateIssueLimit = 50;

    public async Task<Outcome<CityDashboard>> ReadAsync(AccessScope scope, DashboardQuery query, CancellationToken ct)
    {
        if (!scope.IsCityWide) return Failure.Forbidden("The city dashboard is for city admins and the health authority.");
        var now = clock.GetUtcNow();
        var localNow = ConsoleTime.Local(now);
        var today = new DateTimeOffset(localNow.Date, localNow.Offset).ToUniversalTime();
        var to = ScanMinute.Of(now).AddMinutes(1);
        var from = to.AddMinutes(-query.Minutes);

        var minutesTask = minutes.MinutesAsync(from, to, null, ct);
        var busiestTask = minutes.BusiestVenuesAsync(from, to, query.Top, ct);
        var populationTask = PopulationAsync(today, now);
        var venuesTask = VenuesWithOccupancyAsync(ct);
        var trustedTask = trustedCities.ListAsync(ct);
        var venueList = await venuesTask;
        var gatesTask = GatesAsync(venueList, now, query.SilentAfterMinutes, ct);
        await Task.WhenAll(minutesTask, busiestTask, populationTask, trustedTask, gatesTask);

        var byId = venueList.ToDictionary(v => v.Venue.Id);
        var busiest = (await busiestTask).Select(b => byId.TryGetValue(b.VenueId, out var v)
                ? new BusyVenueView(b.VenueId, v.Venue.Name, v.Venue.Kind, v.Venue.District, b.Allowed, b.Denied, v.Inside, v.Venue.Policy.Capacity)
                // Deleted since: its scans stay history.
                : new BusyVenueView(b.VenueId, "(deleted venue)", "", "", b.Allowed, b.Denied, 0, null))
            .ToList();

        var (mix, mixAt) = await populationTask;
        return new CityDashboard(now, today, Series(await minutesTask, from, query.Minutes), Population(mix), mixAt, busiest,
            Group(venueList, v => v.District), Group(venueList, v => v.Kind), await gatesTask, Freshness(await trustedTask, now));
    }

    /// <summary>
    /// The colour mix and when it was read: the first read of a day waits for it; after that a read older than
    /// <see cref="PopulationMaxAge"/> starts one refresh in the background and answers the previous one meanwhile.
    /// </summary>
    private async Task<(IReadOnlyList<ColourCount> Mix, DateTimeOffset ReadAt)> PopulationAsync(DateTimeOffset today, DateTimeOffset now)
    {
        (DateTimeOffset Today, DateTimeOffset ReadAt, Task<IReadOnlyList<ColourCount>> Mix) current;
        lock (_populationLock)
        {
            if (_population is not { } held || held.Today != today || held.Mix.IsFaulted || held.Mix.IsCanceled)
            {
                // Not tied to one request's cancellation: other screens wait for the same read.
                _population = held = (today, now, citizens.ColourMixAsync(today, CancellationToken.None));
            }
            else if (now - held.ReadAt > PopulationMaxAge && _populationRefresh is null && held.Mix.IsCompletedSuccessfully)
            {
                var refresh = citizens.ColourMixAsync(today, CancellationToken.None);
                _populationRefresh = refresh;
                _ = refresh.ContinueWith(t =>
                {
                    lock (_populationLock)
                    {
                        _populationRefresh = null;
                        if (t.IsCompletedSuccessfully && _population is { } p && p.Today == today) _population = (today, now, t);
                    }
                }, TaskScheduler.Default);
            }
            current = held;
        }
        return (await current.Mix, current.ReadAt);
    }

    private sealed record VenueNow(Venue Venue, int Inside);

    private async Task<List<VenueNow>> VenuesWithOccupancyAsync(CancellationToken ct)
    {
        var list = await venues.ListVenuesAsync(null, ct);
        var counts = await Task.WhenAll(list.Select(v => hot.GetOccupancyAsync(v.Id, ct)));
        return [.. list.Select((v, i) => new VenueNow(v, counts[i]))];
    }

    private static ScanSeries Series(IReadOnlyList<ScanMinute> rows, DateTimeOffset from, int count)
    {
        var starts = Enumerable.Range(0, count).Select(i => from.AddMinutes(i)).ToList();
        var allowed = new long[count];
        var denied = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var i = (int)((row.Minute - from) / TimeSpan.FromMinutes(1));
            if (i < 0 || i >= count) continue;
            if (row.Allowed) allowed[i] += row.Scans;
            else
            {
                var code = row.Code.ToCode();
                if (!denied.TryGetValue(code, out var series)) denied[code] = series = new long[count];
                series[i] += row.Scans;
            }
        }
        var deniedSeries = denied.Select(d => new DeniedSeries(d.Key, d.Value, d.Value.Sum())).OrderByDescending(d => d.Total).ThenBy(d => d.Code, StringComparer.Ordinal).ToList();
        return new ScanSeries(count, starts, allowed, deniedSeries, allowed.Sum(), deniedSeries.Sum(d => d.Total));
    }

    private static List<ColourView> Population(IReadOnlyList<ColourCount> mix)
    {
        var total = mix.Sum(m => m.Citizens);
        return [.. mix.Select(m => new ColourView(m.Colour.ToString().ToLowerInvariant(), m.Citizens, total == 0 ? 0 : Math.Round((double)m.Citizens / total, 4),
            m.Into, m.OutOf, m.Change))];
    }

    private static List<OccupancyGroupView> Group(List<VenueNow> list, Func<Venue, string> key) =>
    [
        .. list.GroupBy(v => key(v.Venue), StringComparer.Ordinal).Select(g =>
        {
            var capped = g.Where(v => v.Venue.Policy.Capacity is > 0).ToList();
            var capacity = capped.Sum(v => v.Venue.Policy.Capacity!.Value);
            var insideOfCapacity = capped.Sum(v => v.Inside);
            return new OccupancyGroupView(g.Key, g.Count(), g.Sum(v => v.Inside), insideOfCapacity, capacity,
                capacity > 0 ? Math.Round((double)insideOfCapacity / capacity, 4) : null, capped.Count(v => v.Inside >= v.Venue.Policy.Capacity!.Value));
        })
        .OrderByDescending(g => g.Utilisation ?? -1).ThenByDescending(g => g.Inside).ThenBy(g => g.Key, StringComparer.Ordinal),
    ];

    private async Task<GateHealthView> GatesAsync(List<VenueNow> venueList, DateTimeOffset now, int silentAfterMinutes, CancellationToken ct)
    {
        var names = venueList.ToDictionary(v => v.Venue.Id, v => v.Venue.Name);
        var active = (await venues.ListAllGatesAsync(ct)).Where(g => g.Credential is { IsActive: true } && names.ContainsKey(g.VenueId)).ToList();
        var clocks = (await scans.GateClocksAsync([.. active.Select(g => g.Id)], now - GateClock.Window, ct)).ToDictionary(c => c.GateId);
        var silentSince = now - TimeSpan.FromMinutes(silentAfterMinutes);
        var issues = new List<GateIssueView>();
        int silent = 0, drifting = 0, late = 0;
        foreach (var gate in active)
        {
            var reading = clocks.GetValueOrDefault(gate.Id);
            var problems = new List<string>(3);
            if (reading?.LastLiveScanAt is not { } lastLive || lastLive < silentSince)
            {
                problems.Add("silent");
                silent++;
            }
            if (reading?.Drift is { } drift && Math.Abs(drift.TotalSeconds) > ClockDriftSeconds)
            {
                problems.Add("clock_drift");
                drifting++;
            }
            if (reading?.LastLateUploadAt is { } lateAt && lateAt >= now - UploadedLateWithin)
            {
                problems.Add("uploaded_late");
                late++;
            }
            if (problems.Count == 0) continue;
            issues.Add(new GateIssueView(gate.Id, gate.Name, gate.VenueId, names[gate.VenueId], problems, reading?.LastLiveScanAt,
                reading?.Drift is { } d ? Math.Round(d.TotalSeconds, 3) : null, reading?.LastLateUploadAt));
        }
        // Worst first: a drifting clock decides wrongly, a silent gate may be down, a late upload has caught up already.
        var listed = issues
            .OrderByDescending(i => i.Problems.Contains("clock_drift"))
            .ThenByDescending(i => i.Problems.Count)
            .ThenBy(i => i.LastLiveScanAt ?? DateTimeOffset.MinValue)
            .ThenBy(i => i.Venue, StringComparer.Ordinal).ThenBy(i => i.Gate, StringComparer.Ordinal)
            .Take(GateIssueLimit).ToList();
        return new GateHealthView(active.Count, silent, drifting, late, silentAfterMinutes, GateIssueLimit, listed);
    }

    private static List<TrustedCityFreshness> Freshness(IReadOnlyList<TrustedCityView> cities, DateTimeOffset now) =>
    [
        .. cities.Select(c => new TrustedCityFreshness(c.Issuer, c.Name, c.State, c.DocumentIssuedAt, c.DocumentExpiresAt,
            c.DocumentIssuedAt is { } issued ? Math.Round((now - issued).TotalHours, 1) : null, c.TrustedUntil, c.LastCheckedAt, c.LastError)),
    ];
}
