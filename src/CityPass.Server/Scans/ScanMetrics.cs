using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CityPass.Server.Scans;

/// <summary>Scan decisions by outcome and their latency, exported through OpenTelemetry when configured.</summary>
public sealed class ScanMetrics : IDisposable
{
    public const string MeterName = "CityPass.Scans";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _withdrawals;

    public ScanMetrics()
    {
        _decisions = _meter.CreateCounter<long>("citypass.scan.decisions", description: "Scan decisions by outcome (allow/deny/invalid) and code.");
        _duration = _meter.CreateHistogram<double>("citypass.scan.duration", unit: "ms", description: "Time to decide a scan, from request to answer.");
        _withdrawals = _meter.CreateCounter<long>("citypass.scan.withdrawals",
            description: "Scans answered 503 for their budget, taken back afterwards, by result: taken_back (the store had decided it in time: undone), " +
                         "nothing_to_take_back (it never ran), failed (the store kept failing for half a minute: it may count although refused).");
    }

    /// <summary>A refused scan's taking back ended: taken_back, nothing_to_take_back or failed.</summary>
    public void Withdrawal(string result) => _withdrawals.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Record(string outcome, string code, TimeSpan elapsed)
    {
        var tags = new TagList { { "outcome", outcome }, { "code", code } };
        _decisions.Add(1, tags);
        _duration.Record(elapsed.TotalMilliseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
