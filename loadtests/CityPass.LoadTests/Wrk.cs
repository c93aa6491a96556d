using System.Globalization;
using System.Text.Json;

namespace CityPass.LoadTests;

/// <summary>One wrk invocation: the script, its connections and duration, and the script's environment.</summary>
public sealed record WrkRun(string Name, string Script, int Threads, int Connections, TimeSpan Duration, IReadOnlyDictionary<string, string> Environment);

/// <summary>What wrk's done() reported (its own latency is measured from when a request was sent).</summary>
public sealed record WrkSummary(
    long Requests, double DurationSeconds, double RequestsPerSecond, long Bytes,
    IReadOnlyDictionary<string, long> Errors, LatencyStats WrkLatency,
    IReadOnlyDictionary<string, long> Statuses, IReadOnlyDictionary<string, long> Kinds, IReadOnlyDictionary<string, long> Codes,
    long Retries, long RetriesAnsweredAsDuplicate, long RetriesWithChangedCode, long Unmatched,
    // Latency at the middle of equal shares of the requests, in ms (empty unless the script was asked for them):
    // what lets the latency of wrk processes run at once be merged (LatencyQuantiles).
    IReadOnlyList<double> LatencyPoints)
{
    public long Count5xx => Statuses.Where(s => s.Key.StartsWith('5')).Sum(s => s.Value);

    public long Non2xx => Statuses.Where(s => !s.Key.StartsWith('2')).Sum(s => s.Value);

    /// <summary>Connect, read, write errors and timeouts (wrk's "status" errors are the non-2xx/3xx answers, counted apart).</summary>
    public long SocketErrors => Errors.Where(e => e.Key != "status").Sum(e => e.Value);
}

/// <summary>Runs wrk (Debian's 4.1, LuaJIT) with a script from loadtests/wrk and reads the CPJSON line its done() prints.</summary>
public static class Wrk
{
    /// <param name="started">Given the wrk process once it runs: a run can be ended early with SIGINT, after which wrk reports as usual.</param>
    public static async Task<WrkSummary> RunAsync(WrkRun run, Uri target, string wrkDirectory, string outputFile, Action<System.Diagnostics.Process>? started = null)
    {
        var env = new Dictionary<string, string>(run.Environment)
        {
            ["CP_WRK_DIR"] = wrkDirectory,
            ["CP_THREADS"] = run.Threads.ToString(CultureInfo.InvariantCulture),
        };
        string[] args =
        [
            "-t", run.Threads.ToString(CultureInfo.InvariantCulture),
            "-c", run.Connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)Math.Ceiling(run.Duration.TotalSeconds)}s",
            "--timeout", "10s",
            "-s", Path.Combine(wrkDirectory, run.Script),
            target.ToString(),
        ];
        var o = await Processes.RunAsync("wrk", args, run.Duration + TimeSpan.FromMinutes(2), env, started);
        await File.WriteAllTextAsync(outputFile, $"wrk {string.Join(' ', args)}\n{o.StandardOutput}\n{o.StandardError}");
        var line = o.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith("CPJSON ", StringComparison.Ordinal));
        if (o.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"wrk ({run.Name}) failed with {o.ExitCode}:\n{o.StandardError}\n{o.StandardOutput}");
        }
        return Parse(line["CPJSON ".Length..]);
    }

    public static WrkSummary Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var duration = root.GetProperty("duration_us").GetDouble() / 1e6;
        var requests = root.GetProperty("requests").GetInt64();
        var l = root.GetProperty("latency_us");
        double Ms(string name) => l.GetProperty(name).GetDouble() / 1000.0;
        var latency = new LatencyStats(requests, Ms("p50"), Ms("p90"), Ms("p99"), Ms("p999"), Ms("max"), Ms("mean"));
        var counters = root.GetProperty("counters");
        var errors = root.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => (long)p.Value.GetDouble());
        // The counters are flat ("status.200", "kind.scan", "retries"): split them by prefix.
        var flat = counters.ValueKind == JsonValueKind.Object
            ? counters.EnumerateObject().ToDictionary(p => p.Name, p => (long)p.Value.GetDouble())
            : [];
        Dictionary<string, long> Map(string prefix) =>
            flat.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[(prefix.Length + 1)..], kv => kv.Value);
        long Count(string name) => flat.GetValueOrDefault(name);
        var points = l.TryGetProperty("quantiles", out var q) && q.ValueKind == JsonValueKind.Array
            ? q.EnumerateArray().Select(p => p.GetDouble() / 1000.0).ToList()
            : [];
        return new WrkSummary(requests, duration, requests / Math.Max(duration, 1e-9), root.GetProperty("bytes").GetInt64(),
            errors, latency, Map("status"), Map("kind"), Map("code"),
            Count("retries"), Count("retries_dup"), Count("retries_code_changed"), Count("unmatched"), points);
    }
}
