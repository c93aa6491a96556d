namespace CityPass.LoadTests;

/// <summary>
/// The fault load as the time line needs it, every time in ms from the start of the load: the answers (sorted by
/// time), when each new scan was sent and when those never answered 200 were (both sorted), and the skipped slots.
/// </summary>
public sealed record FaultLoad(IReadOnlyList<ScanAnswer> Answers, IReadOnlyList<long> SentMs, IReadOnlyList<long> NotAnswered200Ms, IReadOnlyList<SkippedSlots> Skips);

/// <summary>
/// The fault run's arithmetic over one time line (ms from the start of the load): answers, skipped slots, probe
/// scans and health samples put into seconds or windows, phases summed up, health samples run together.
/// Answers must be sorted by time.
/// </summary>
/// <summary>What <see cref="FaultTimeline.Build"/> makes of a fault run's load: the load itself, per second, the report's rows, per phase.</summary>
public sealed record LoadTimeline(FaultLoad Load, IReadOnlyList<TimelineRow> Seconds, IReadOnlyList<TimelineRow> Report, IReadOnlyList<PhaseSummary> Summaries);

public static class FaultTimeline
{
    /// <summary>Non-2xx answers further apart than this are not one outage.</summary>
    public static readonly TimeSpan OutageGap = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The report's rows: a second each from <paramref name="before"/> seconds before to <paramref name="after"/>
    /// seconds after each moment given (the faults), and around every second in <paramref name="eventfulSeconds"/>
    /// (scans failed or skipped there); elsewhere windows of <paramref name="window"/> seconds, aligned to multiples
    /// of it, so a steady stretch reads in a few rows and a fault second by second.
    /// </summary>
    public static IReadOnlyList<(double Start, double Seconds)> Spans(double lengthSeconds, IEnumerable<double> moments, IEnumerable<int> eventfulSeconds,
        int window = 5, int before = 2, int after = 5)
    {
        ArgumentNullException.ThrowIfNull(moments);
        ArgumentNullException.ThrowIfNull(eventfulSeconds);
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "A window is at least a second.");
        var seconds = (int)Math.Ceiling(lengthSeconds);
        var detail = new bool[Math.Max(0, seconds)];
        void Mark(int from, int to)
        {
            for (var s = Math.Max(0, from); s <= Math.Min(seconds - 1, to); s++) detail[s] = true;
        }
        foreach (var m in moments) Mark((int)Math.Floor(m) - before, (int)Math.Floor(m) + after);
        foreach (var s in eventfulSeconds) Mark(s - 1, s + 1);

        var spans = new List<(double, double)>();
        for (var s = 0; s < seconds;)
        {
            if (detail[s])
            {
                spans.Add((s, 1));
                s++;
                continue;
            }
            var start = s;
            do s++;
            while (s < seconds && !detail[s] && s % window != 0);
            spans.Add((start, s - start));
        }
        return spans;
    }

    /// <summary>
    /// The load's time line as both fault runs build it: wrk's answers, sends, unanswered sends and skipped slots made
    /// relative to the start of the load (<paramref name="zeroMs"/>), a row per second, the report's rows (eventful seconds
    /// on their own, the quiet ones merged between the events), and a summary per phase.
    /// </summary>
    public static LoadTimeline Build(FaultLog log, ScanOutcomes outcomes, long zeroMs, double loadSeconds, IEnumerable<double> eventMoments,
        IReadOnlyList<ProbeAnswer> probes, IReadOnlyList<HealthSample> health, IReadOnlyList<FaultPhase> phases)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(outcomes);
        var load = new FaultLoad(
            [.. log.Answers.Select(a => a with { AtMs = a.AtMs - zeroMs })],
            [.. log.Sent.Select(s => s.AtMs - zeroMs).Order()],
            [.. log.Sent.Where(s => !outcomes.Answered.ContainsKey(s.Key)).Select(s => s.AtMs - zeroMs).Order()],
            [.. log.Skips.Select(s => s with { FromMs = s.FromMs - zeroMs, ToMs = s.ToMs - zeroMs })]);
        var seconds = Rows(Spans(loadSeconds, [], [], window: 1, before: 0, after: 0), load, probes, health);
        var eventful = seconds.Where(r => r.NotOkTotal > 0 || r.Skipped > 0 || r.ProbeNotOk.Count > 0 || (r.Sent > 0 && r.Ok + r.NotOkTotal == 0))
            .Select(r => (int)r.StartSeconds);
        var report = Rows(Spans(loadSeconds, eventMoments, eventful), load, probes, health);
        return new LoadTimeline(load, seconds, report, [.. phases.Select(p => Summarise(p, load, probes))]);
    }

    /// <summary>One row per span (see <see cref="TimelineRow"/>).</summary>
    public static IReadOnlyList<TimelineRow> Rows(IReadOnlyList<(double Start, double Seconds)> spans, FaultLoad load,
        IReadOnlyList<ProbeAnswer> probes, IReadOnlyList<HealthSample> health)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(health);
        var rows = new List<TimelineRow>(spans.Count);
        foreach (var (start, length) in spans)
        {
            var (from, to) = (start * 1000, (start + length) * 1000);
            var (ok, notOk, latency) = Count(load.Answers, from, to);
            var inSpan = probes.Where(p => p.AtSeconds >= start && p.AtSeconds < start + length).ToList();
            var samples = health.Where(h => h.AtSeconds >= start && h.AtSeconds < start + length).ToList();
            var labels = samples.Select(h => h.Label).Distinct().ToList();
            var backlogs = samples.Where(h => h.ArchiveBacklog is not null).Select(h => h.ArchiveBacklog!.Value).ToList();
            rows.Add(new TimelineRow(start, length, CountWithin(load.SentMs, from, to), CountWithin(load.NotAnswered200Ms, from, to),
                ok, notOk, latency.Count, latency.P50, latency.P99, latency.Max, load.Skips.Sum(s => SlotsWithin(s, from, to)), inSpan.Count, NotOk(inSpan), inSpan.Count == 0 ? 0 : inSpan.Max(p => p.LatencyMs),
                string.Join(" → ", labels), backlogs.Count == 0 ? null : backlogs.Max()));
        }
        return rows;
    }

    /// <summary>What a phase did to the scans, its times in seconds from the phase's start (its fault).</summary>
    public static PhaseSummary Summarise(FaultPhase phase, FaultLoad load, IReadOnlyList<ProbeAnswer> probes)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(probes);
        var answers = load.Answers;
        var (from, to) = (phase.StartSeconds * 1000, phase.EndSeconds * 1000);
        var (ok, notOk, latency) = Count(answers, from, to);
        // The outage is the first run of non-2xx answers, none more than OutageGap from the one before; non-2xx after
        // it (a stall of the shared machine spending a scan's budget, say) are counted apart.
        double? firstNotOk = null, lastNotOk = null, outageEnd = null;
        long later = 0;
        for (var i = FirstAtOrAfter(answers, from); i < answers.Count && answers[i].AtMs < to; i++)
        {
            if (IsOk(answers[i].Status)) continue;
            var at = (answers[i].AtMs - from) / 1000.0;
            firstNotOk ??= at;
            if (later == 0 && (outageEnd is null || at - outageEnd <= OutageGap.TotalSeconds)) outageEnd = at;
            else later++;
            lastNotOk = at;
        }
        var skipped = load.Skips.Where(s => SlotsWithin(s, from, to) > 0).ToList();
        double? firstSkipped = skipped.Count == 0 ? null : (skipped.Min(s => Math.Max(s.FromMs, from)) - from) / 1000.0;
        double? lastSkipped = skipped.Count == 0 ? null : (skipped.Max(s => Math.Min(s.ToMs, to)) - from) / 1000.0;
        // Whole seconds of the phase in which scans were sent and not one answer came back: the server itself away.
        var silent = new List<double>();
        for (var second = Math.Ceiling(phase.StartSeconds); second + 1 <= phase.EndSeconds; second++)
        {
            var (a, b) = (second * 1000, (second + 1) * 1000);
            if (CountWithin(load.SentMs, a, b) > 0 && FirstAtOrAfter(answers, a) == FirstAtOrAfter(answers, b)) silent.Add(second - phase.StartSeconds);
        }
        var inPhase = probes.Where(p => p.AtSeconds >= phase.StartSeconds && p.AtSeconds < phase.EndSeconds).ToList();
        static LatencyStats Stats(IEnumerable<ProbeAnswer> p) => LatencyStats.FromMicroseconds([.. p.Select(x => (int)Math.Round(x.LatencyMs * 1000))]);
        return new PhaseSummary(phase.Name, phase.StartSeconds, phase.EndSeconds, phase.StoreBackSeconds - phase.StartSeconds,
            CountWithin(load.SentMs, from, to), CountWithin(load.NotAnswered200Ms, from, to), ok, notOk, latency, skipped.Sum(s => SlotsWithin(s, from, to)),
            firstNotOk, outageEnd, later, lastNotOk, firstSkipped, lastSkipped, silent.Count, silent.Count == 0 ? null : silent[0], silent.Count == 0 ? null : silent[^1] + 1,
            inPhase.Count, NotOk(inPhase), Stats(inPhase), Stats(inPhase.Where(p => !IsOk(p.Status))));
    }

    /// <summary>
    /// When the server itself was away, from the per-second rows: each stretch of seconds in which scans were sent and
    /// none was answered, widened by 2 s before (a server stopping closes its connections before it falls silent) and
    /// 1 s after (its first answers again).
    /// </summary>
    public static IReadOnlyList<(double From, double To)> ServerAway(IReadOnlyList<TimelineRow> seconds)
    {
        ArgumentNullException.ThrowIfNull(seconds);
        var windows = new List<(double From, double To)>();
        foreach (var r in seconds.Where(r => r.Sent > 0 && r.Ok + r.NotOkTotal == 0))
        {
            var (from, to) = (r.StartSeconds - 2, r.StartSeconds + r.Seconds + 1);
            if (windows.Count > 0 && from <= windows[^1].To) windows[^1] = (windows[^1].From, to);
            else windows.Add((from, to));
        }
        return windows;
    }

    /// <summary>Consecutive samples that said the same, as one span each (from the first sample to the last).</summary>
    public static IReadOnlyList<HealthSpan> Compress(IReadOnlyList<HealthSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var spans = new List<HealthSpan>();
        foreach (var s in samples.OrderBy(s => s.AtSeconds))
        {
            if (spans.Count > 0 && spans[^1].Label == s.Label) spans[^1] = spans[^1] with { ToSeconds = s.AtSeconds, Samples = spans[^1].Samples + 1 };
            else spans.Add(new HealthSpan(s.AtSeconds, s.AtSeconds, s.Label, 1));
        }
        return spans;
    }

    /// <summary>How many of a skip's slots fall in [from, to) ms, taking them as spread evenly over the span they covered.</summary>
    public static double SlotsWithin(SkippedSlots skip, double fromMs, double toMs)
    {
        if (skip.ToMs <= skip.FromMs) return skip.FromMs >= fromMs && skip.FromMs < toMs ? skip.Count : 0;
        var overlap = Math.Min(skip.ToMs, toMs) - Math.Max(skip.FromMs, fromMs);
        return overlap <= 0 ? 0 : skip.Count * overlap / (skip.ToMs - skip.FromMs);
    }

    public static bool IsOk(int status) => status is >= 200 and < 300;

    /// <summary>How a non-2xx answer is counted: its status and code, "503 store_unavailable".</summary>
    public static string NotOkKey(int status, string code) => status == 0 ? "no answer" : $"{status} {code}";

    private static (long Ok, Dictionary<string, long> NotOk, LatencyStats Latency) Count(IReadOnlyList<ScanAnswer> answers, double fromMs, double toMs)
    {
        long ok = 0;
        var notOk = new Dictionary<string, long>(StringComparer.Ordinal);
        var micros = new List<int>();
        for (var i = FirstAtOrAfter(answers, fromMs); i < answers.Count && answers[i].AtMs < toMs; i++)
        {
            var a = answers[i];
            if (IsOk(a.Status)) ok++;
            else notOk[NotOkKey(a.Status, a.Code)] = notOk.GetValueOrDefault(NotOkKey(a.Status, a.Code)) + 1;
            if (a.LatencyMicros >= 0) micros.Add(a.LatencyMicros);
        }
        return (ok, notOk, LatencyStats.FromMicroseconds(micros));
    }

    private static Dictionary<string, long> NotOk(IEnumerable<ProbeAnswer> probes) =>
        probes.Where(p => !IsOk(p.Status)).GroupBy(p => NotOkKey(p.Status, p.Code)).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);

    /// <summary>How many of the sorted times fall in [from, to).</summary>
    public static long CountWithin(IReadOnlyList<long> sortedMs, double fromMs, double toMs) => Lower(sortedMs, toMs) - Lower(sortedMs, fromMs);

    private static int Lower(IReadOnlyList<long> sorted, double ms)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < ms) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The index of the first answer at or after <paramref name="ms"/> (binary search: a run has millions).</summary>
    private static int FirstAtOrAfter(IReadOnlyList<ScanAnswer> answers, double ms)
    {
        int lo = 0, hi = answers.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (answers[mid].AtMs < ms) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
