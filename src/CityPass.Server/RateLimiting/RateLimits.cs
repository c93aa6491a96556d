using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.RateLimiting;

namespace CityPass.Server.RateLimiting;

/// <summary>Section "RateLimits": requests a second (token bucket) per gate and per citizen, sign-ins a minute per address.</summary>
public sealed class RateLimitOptions
{
    public int PerGatePerSecond { get; set; } = 50;
    public int PerCitizenPerSecond { get; set; } = 10;
    public int SignInsPerMinute { get; set; } = 30;
}

public static class RateLimits
{
    public const string PerGate = "per-gate";
    public const string PerCitizen = "per-citizen";
    public const string SignIn = "sign-in";

    public static IServiceCollection AddCityPassRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var o = configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerGate, http => Bucket(http.User.FindFirstValue(GateScheme.GateIdClaim), o.PerGatePerSecond));
            // Citizen tokens name the citizen in "sub" (claim names are kept as written, see AuthSetup).
            limiter.AddPolicy(PerCitizen, http => Bucket(http.User.FindFirstValue("sub"), o.PerCitizenPerSecond));
            limiter.AddPolicy(SignIn, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problem.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests: slow down.",
                    $"Retry after {retryAfter} s.").ExecuteAsync(context.HttpContext);
            };
        });
    }

    private static RateLimitPartition<string> Bucket(string? key, int perSecond) =>
        RateLimitPartition.GetTokenBucketLimiter(key ?? "anonymous", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond * 2,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}
