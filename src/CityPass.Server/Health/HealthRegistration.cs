using System.Text.Json;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Server.Health;

public static class HealthRegistration
{
    /// <summary>Before the problem handlers: a store failure is answered here, as 503 store_unavailable.</summary>
    public static IServiceCollection AddCityPassHealth(this IServiceCollection services)
    {
        services.AddSingleton<StoreMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<StoreMonitor>());
        services.AddExceptionHandler<StoreFailureHandler>();
        // The monitor logs an outage once; the framework would log every refused request as an unhandled error.
        services.Configure<ExceptionHandlerOptions>(o => o.SuppressDiagnosticsCallback = c => StoreFailures.Classify(c.Exception) is not null);
        services.AddHealthChecks().AddCheck<StoresHealthCheck>("stores", tags: ["ready"]);
        return services;
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (which store is down, in a JSON body).</summary>
    public static void MapCityPassHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return JsonSerializer.SerializeAsync(http.Response.Body, body, JsonOptions, http.RequestAborted);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
