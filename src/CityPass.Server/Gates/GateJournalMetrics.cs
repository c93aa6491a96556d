using System.Diagnostics.Metrics;

namespace CityPass.Server.Gates;

/// <summary>Gates' offline journals as they are uploaded, exported through OpenTelemetry when configured.</summary>
public sealed class GateJournalMetrics : IDisposable
{
    public const string MeterName = "CityPass.Gates";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _entries;
    private readonly Counter<long> _disagreements;

    public GateJournalMetrics()
    {
        _entries = _meter.CreateCounter<long>("citypass.gate.journal.entries",
            description: "Journal entries uploaded by gates, by status: recorded (decided after the fact and archived), duplicate (archived before), invalid (not a pass).");
        _disagreements = _meter.CreateCounter<long>("citypass.gate.journal.disagreements",
            description: "Offline decisions the server disagrees with, by the gate's decision: allow (let in someone the server refuses) or deny.");
    }

    public void Entry(string status) => _entries.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Disagreement(bool gateAllowed) => _disagreements.Add(1, new KeyValuePair<string, object?>("offline", gateAllowed ? "allow" : "deny"));

    public void Dispose() => _meter.Dispose();
}
