using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CityPass.Server.Scans;
using CityPass.Server.Tests.Support;
using OpenTelemetry.Metrics;

namespace CityPass.Server.Tests;

public sealed class TelemetryTests : AppTest
{
    public TelemetryTests() : base(StoreMode.Embedded) { }

    // An endpoint nobody listens on: export fails quietly in the background, the app must not care.
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9" };

    [Fact]
    public async Task ScanDecisionsAreCountedAndTimedByOutcome()
    {
        var seen = new ConcurrentBag<(string Instrument, string? Outcome, string? Code)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ScanMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => seen.Add((i.Name, Tag(tags, "outcome"), Tag(tags, "code"))));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => seen.Add((i.Name, Tag(tags, "outcome"), Tag(tags, "code"))));
        listener.Start();

        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        await App.Gate("上海图书馆").DecideAsync(text);
        await App.Gate("上海图书馆").ScanAsync("not a pass");

        Assert.Contains(("citypass.scan.decisions", "allow", "allowed"), seen);
        Assert.Contains(("citypass.scan.decisions", "invalid", "malformed"), seen);
        Assert.Contains(("citypass.scan.duration", "allow", "allowed"), seen);
        Assert.NotNull(App.Get<MeterProvider>());
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var t in tags)
        {
            if (t.Key == name) return t.Value as string;
        }
        return null;
    }
}
