using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>What the per-thread logs of one wrk run say about its scans.</summary>
public sealed record ScanLogSummary(long ScanResponses, long Answered200, LatencyStats Latency, long NewScansMarkedDuplicate,
    IReadOnlyList<WindowStats> Windows);

/// <summary>Throughput and latency in one time window of a run (the soak's steadiness).</summary>
public sealed record WindowStats(double StartSeconds, double RequestsPerSecond, double P50, double P99, double Max);

/// <summary>
/// Reads the logs scans.lua writes (a line per response) and remembers every (gate, scan id) that
/// was answered 200, across all runs, for the archive check at the end.
/// </summary>
public sealed class ScanLogs
{
    private readonly HashSet<ScanKey> _answered = [];

    public IReadOnlySet<ScanKey> Answered => _answered;

    public long RetriesChecked { get; private set; }

    public ScanLogSummary Read(string logPrefix, TimeSpan window)
    {
        var latencies = new List<int>();
        var byWindow = new SortedDictionary<long, List<int>>();
        long scans = 0, ok = 0, wrongDuplicates = 0;
        long? first = null;
        var directory = Path.GetDirectoryName(logPrefix)!;
        var files = Directory.GetFiles(directory, Path.GetFileName(logPrefix) + "-*.log");
        var rows = new List<(long At, int Latency)>();
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(' ');
                if (f.Length < 8 || f[0] == "-") continue;
                scans++;
                var latency = int.Parse(f[2], CultureInfo.InvariantCulture);
                var at = long.Parse(f[6], CultureInfo.InvariantCulture);
                if (latency >= 0)
                {
                    latencies.Add(latency);
                    rows.Add((at, latency));
                }
                if (f[1] != "200") continue;
                ok++;
                var retry = f[5] == "1";
                if (retry)
                {
                    RetriesChecked++;
                    continue;
                }
                if (f[4] == "1") wrongDuplicates++;
                // "-": an answer wrk could not match to its request (counted as "unmatched"), so its gate is unknown.
                if (Guid.TryParse(f[7], CultureInfo.InvariantCulture, out var gate)) _answered.Add(new ScanKey(gate, Guid.Parse(f[0], CultureInfo.InvariantCulture)));
            }
        }
        foreach (var (at, latency) in rows)
        {
            first = first is null ? at : Math.Min(first.Value, at);
        }
        var windowMs = (long)window.TotalMilliseconds;
        foreach (var (at, latency) in rows)
        {
            var w = (at - first!.Value) / windowMs;
            if (!byWindow.TryGetValue(w, out var list)) byWindow[w] = list = [];
            list.Add(latency);
        }
        var windows = byWindow.Select(kv =>
        {
            var s = LatencyStats.FromMicroseconds(kv.Value);
            return new WindowStats(kv.Key * window.TotalSeconds, kv.Value.Count / window.TotalSeconds, s.P50, s.P99, s.Max);
        }).ToList();
        return new ScanLogSummary(scans, ok, LatencyStats.FromMicroseconds(latencies), wrongDuplicates, windows);
    }
}
