using CityPass.Server.Problems;
using Microsoft.AspNetCore.Diagnostics;

namespace CityPass.Server.Health;

/// <summary>
/// A store that failed a request (not connected, no answer within the budget, refusing to serve) answers
/// 503 <c>store_unavailable</c> with Retry-After, never 500. Told to <see cref="StoreMonitor"/>, which logs the
/// outage once; the framework's per-request error log is suppressed for these (see <see cref="HealthRegistration"/>).
/// </summary>
internal sealed class StoreFailureHandler(StoreMonitor monitor, IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (StoreFailures.Classify(exception) is not { } store) return false;
        monitor.Refused(store, exception);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = "1";
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = $"The {StoreFailures.NameOf(store)} is not answering; nothing was done. Try again shortly.",
            Type = $"https://citypass.example/problems/{ProblemCodes.StoreUnavailable}",
        };
        problem.Extensions["code"] = ProblemCodes.StoreUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }
}
