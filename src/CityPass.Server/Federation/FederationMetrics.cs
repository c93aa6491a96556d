using System.Diagnostics.Metrics;

namespace CityPass.Server.Federation;

/// <summary>Trusted cities by state, and how long each one's document has left, exported through OpenTelemetry when configured.</summary>
public sealed class FederationMetrics : IDisposable
{
    public const string MeterName = "CityPass.Federation";
    private readonly Meter _meter = new(MeterName);

    public FederationMetrics(FederatedTrust trust, TimeProvider clock)
    {
        _meter.CreateObservableGauge("citypass.federation.cities", () =>
            Enum.GetValues<TrustState>().Select(state => new Measurement<int>(
                trust.Cities.Count(c => c.State == state), new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant()))),
            description: "Trusted cities by state: pending, fresh, failing, stale (expired, in grace), expired (passes refused).");
        _meter.CreateObservableGauge("citypass.federation.document.expires_in", () =>
            trust.Cities.Where(c => c.City.DocumentExpiresAt is not null).Select(c => new Measurement<double>(
                (c.City.DocumentExpiresAt!.Value - clock.GetUtcNow()).TotalSeconds, new KeyValuePair<string, object?>("issuer", c.City.Issuer))),
            unit: "s", description: "Seconds until each trusted city's document expires (negative: expired; its passes are refused after the grace period).");
    }

    public void Dispose() => _meter.Dispose();
}
