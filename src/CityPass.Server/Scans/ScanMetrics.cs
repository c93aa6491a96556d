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
    private readonly Counter<long> _appliedAfterRefusal;

    public ScanMetrics()
    {
        _decisions = _meter.CreateCounter<long>("citypass.scan.decisions", description: "Scan decisions by outcome (allow/deny/invalid) and code.");
        _duration = _meter.CreateHistogram<double>("citypass.scan.duration", unit: "ms", description: "Time to decide a scan, from request to answer.");
        _appliedAfterRefusal = _meter.CreateCounter<long>("citypass.scan.applied_after_refusal",
            description: "Scans answered 503 for their budget whose script had run in time: recorded although refused (the gate's retry gets the recorded answer).");
    }

    public void AppliedAfterRefusal() => _appliedAfterRefusal.Add(1);

    public void Record(string outcome, string code, TimeSpan elapsed)
    {
        var tags = new TagList { { "outcome", outcome }, { "code", code } };
        _decisions.Add(1, tags);
        _duration.Record(elapsed.TotalMilliseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
