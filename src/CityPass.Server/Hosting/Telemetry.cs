using CityPass.Server.Scans;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CityPass.Server.Hosting;

/// <summary>
/// OTLP export of the framework's own meters and activities plus CityPass's scan metrics, when an
/// endpoint is configured (Telemetry:OtlpEndpoint or OTEL_EXPORTER_OTLP_ENDPOINT). No instrumentation
/// packages are available here, so the framework's meters and sources are added by name.
/// </summary>
public static class Telemetry
{
    public static IServiceCollection AddCityPassTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var endpoint = configuration["Telemetry:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint)) return services;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)) throw new InvalidOperationException($"Telemetry:OtlpEndpoint '{endpoint}' is not an absolute URI.");
        void Exporter(OtlpExporterOptions o) => o.Endpoint = uri;

        services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.RateLimiting",
                "System.Net.Http", "System.Runtime", ScanMetrics.MeterName, Health.StoreMonitor.MeterName, Federation.FederationMetrics.MeterName, Gates.GateJournalMetrics.MeterName, Authority.StatusDraftMetrics.MeterName,
                // Orleans' own: grain calls and their latencies, activations, messaging, membership.
                "Microsoft.Orleans")
            .AddOtlpExporter(Exporter)
            .Build());
        services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .AddSource("Microsoft.AspNetCore")
            .AddOtlpExporter(Exporter)
            .Build());
        services.AddHostedService<TelemetryStarter>();
        return services;
    }

    // The providers start when first resolved; the host resolves them at start and disposes them (flushing) at stop.
    private sealed class TelemetryStarter(MeterProvider meters, TracerProvider traces) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            meters.ForceFlush();
            traces.ForceFlush();
            return Task.CompletedTask;
        }
    }
}
