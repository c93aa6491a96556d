using System.Diagnostics.Metrics;

namespace CityPass.Server.Authority;

/// <summary>Four eyes in the metrics: held changes (the anomaly guard's alert) and drafts by what happened to them.</summary>
public sealed class StatusDraftMetrics : IDisposable
{
    public const string MeterName = "CityPass.Authority";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _held;
    private readonly Counter<long> _drafts;

    public StatusDraftMetrics()
    {
        _held = _meter.CreateCounter<long>("citypass.status.held",
            description: "Single status changes the anomaly guard held for a second approver, by reason (hourly_limit, case_scope). Alert on any.");
        _drafts = _meter.CreateCounter<long>("citypass.status.drafts", description: "Status drafts by event: drafted, approved, rejected, finished.");
    }

    public void Held(string reason) => _held.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Draft(string @event) => _drafts.Add(1, new KeyValuePair<string, object?>("event", @event));

    public void Dispose() => _meter.Dispose();
}
