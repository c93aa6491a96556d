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

    public ScanMetrics()
    {
        _decisions = _meter.CreateCounter<long>("citypass.scan.decisions", description: "Scan decisions by outcome (allow/deny/invalid) and code.");
        _duration = _meter.CreateHistogram<double>("citypass.scan.duration", unit: "ms", description: "Time to decide a scan, from request to answer.");
    }

    public void Record(string outcome, string code, TimeSpan elapsed)
    {
        var tags = new TagList { { "outcome", outcome }, { "code", code } };
        _decisions.Add(1, tags);
        _duration.Record(elapsed.TotalMilliseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
