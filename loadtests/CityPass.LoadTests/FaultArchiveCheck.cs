namespace CityPass.LoadTests;

/// <summary>What the gates were told about each scan of the fault run, by (gate, scan id), with when (seconds from the start of the load).</summary>
public sealed record ScanOutcomes(
    // Answered 200 (the answer carried the scan id). NaN: before the fault load (warm-up, the maximum's steps).
    IReadOnlyDictionary<ScanKey, double> Answered,
    // Sent and not answered 200, by when they were sent: refused (a problem answer: 503 store_unavailable, ...), or no answer
    // at all (the connection failed). wrk can't tie a problem answer to its request, so the two are told apart only in number.
    IReadOnlyDictionary<ScanKey, double> NotAnswered200,
    // Problem answers: the load's (they carry no scan id) and the probe's.
    long RefusedAnswers,
    // No outcome known: sent in the last moments of the load and not answered (in flight when wrk stopped), or the probe's scans that had no answer.
    IReadOnlySet<ScanKey> Unknown);

/// <summary>The fault run's archive check: the scans answered 200 in PostgreSQL once each, the refused ones not at all.</summary>
public static class FaultArchiveCheck
{
    /// <summary>
    /// The outcomes from wrk's logs (times relative to <paramref name="zeroMs"/>) and the probe's scans. A scan sent
    /// within <paramref name="inFlightWindowMs"/> of the end of the load (<paramref name="endMs"/>) and not answered may
    /// have been in flight when wrk stopped (it stops without waiting for answers): unknown, only counted.
    /// </summary>
    public static ScanOutcomes Outcomes(FaultLog log, long zeroMs, long endMs, long inFlightWindowMs, IReadOnlyList<ProbeAnswer> probes,
        IEnumerable<ScanKey> answeredBefore)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(answeredBefore);
        var answered = new Dictionary<ScanKey, double>();
        foreach (var key in answeredBefore) answered[key] = double.NaN;
        long refusedAnswers = 0;
        foreach (var a in log.Answers)
        {
            if (a.Key is { } key && FaultTimeline.IsOk(a.Status)) answered[key] = (a.AtMs - zeroMs) / 1000.0;
            else if (a.Key is null && !FaultTimeline.IsOk(a.Status)) refusedAnswers++;
        }
        var notAnswered = new Dictionary<ScanKey, double>();
        var unknown = new HashSet<ScanKey>();
        foreach (var s in log.Sent)
        {
            if (answered.ContainsKey(s.Key)) continue;
            if (s.AtMs >= endMs - inFlightWindowMs) unknown.Add(s.Key);
            else notAnswered[s.Key] = (s.AtMs - zeroMs) / 1000.0;
        }
        foreach (var p in probes)
        {
            if (FaultTimeline.IsOk(p.Status)) answered[p.Key] = p.AtSeconds;
            else if (p.Status == 0) unknown.Add(p.Key);
            else
            {
                notAnswered[p.Key] = p.AtSeconds;
                refusedAnswers++;
            }
        }
        return new ScanOutcomes(answered, notAnswered, refusedAnswers, unknown);
    }

    /// <summary>
    /// The verdict on the archived rows' keys. <paramref name="phaseOf"/> names the phase of a time (NaN: before the load);
    /// <paramref name="serverAway"/> says whether a scan sent at a time went to a server that was going away (closing its
    /// connections, ending): one of those not answered 200 may have had no answer at all, so finding it in the archive is
    /// counted apart, not held against the rule that a refused scan never takes effect.
    /// </summary>
    public static FaultArchiveVerdict Compare(ScanOutcomes outcomes, IReadOnlyCollection<ScanKey> archivedRows, Func<double, string> phaseOf,
        Func<double, bool> serverAway, double catchUpSeconds)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(archivedRows);
        ArgumentNullException.ThrowIfNull(phaseOf);
        ArgumentNullException.ThrowIfNull(serverAway);
        var rows = new Dictionary<ScanKey, int>();
        foreach (var key in archivedRows) rows[key] = rows.GetValueOrDefault(key) + 1;

        var missing = outcomes.Answered.Where(a => !rows.ContainsKey(a.Key)).ToList();
        var duplicated = rows.Where(r => r.Value > 1).Select(r => r.Key).ToList();
        var notAnsweredArchived = outcomes.NotAnswered200.Where(r => rows.ContainsKey(r.Key)).ToList();
        var refusedArchived = notAnsweredArchived.Where(r => !serverAway(r.Value)).ToList();
        var unknownArchived = outcomes.Unknown.Count(rows.ContainsKey);
        var unseen = rows.Keys.Count(k => !outcomes.Answered.ContainsKey(k) && !outcomes.NotAnswered200.ContainsKey(k) && !outcomes.Unknown.Contains(k));

        Dictionary<string, long> ByPhase(IEnumerable<double> times) =>
            times.GroupBy(phaseOf).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        double When(ScanKey key) =>
            outcomes.Answered.TryGetValue(key, out var t) ? t : outcomes.NotAnswered200.TryGetValue(key, out var r) ? r : double.NaN;

        return new FaultArchiveVerdict(outcomes.Answered.Count, archivedRows.Count, rows.Count, missing.Count, duplicated.Count,
            outcomes.RefusedAnswers, outcomes.NotAnswered200.Count, refusedArchived.Count, notAnsweredArchived.Count - refusedArchived.Count,
            outcomes.Unknown.Count, unknownArchived, unseen, catchUpSeconds,
            ByPhase(missing.Select(m => m.Value)), ByPhase(duplicated.Select(When)), ByPhase(refusedArchived.Select(r => r.Value)),
            [.. missing.Take(10).Select(m => m.Key)], [.. duplicated.Take(10)], [.. refusedArchived.OrderBy(r => r.Value).Select(r => r.Key)],
            [.. missing.Select(m => m.Value).Order().Take(20_000)]);
    }
}
