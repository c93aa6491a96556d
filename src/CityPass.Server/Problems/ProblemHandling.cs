using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;

namespace CityPass.Server.Problems;

/// <summary>
/// Every error leaves as a ProblemDetails with a stable "code": binding failures and bad JSON,
/// oversized bodies, unknown routes, and anything thrown (as internal_error, with no detail).
/// </summary>
public static class ProblemHandling
{
    public static IServiceCollection AddCityPassProblems(this IServiceCollection services)
    {
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var p = context.ProblemDetails;
            if (!p.Extensions.ContainsKey("code")) p.Extensions["code"] = CodeFor(p.Status ?? 500);
            p.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        // Binding failures throw, so the handler below can name them (malformed_json) instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        return services;
    }

    public static string CodeFor(int status) => status switch
    {
        400 => "bad_request",
        401 => ProblemCodes.Unauthorized,
        403 => ProblemCodes.Forbidden,
        404 => ProblemCodes.NotFound,
        405 => "method_not_allowed",
        409 => ProblemCodes.Conflict,
        413 => ProblemCodes.BodyTooLarge,
        415 => ProblemCodes.UnsupportedMediaType,
        429 => ProblemCodes.RateLimited,
        503 => ProblemCodes.Unavailable,
        _ => ProblemCodes.Internal,
    };

    /// <summary>
    /// Orleans' own failures (a replica unreachable, a message rejected), and a grain call with no answer within the
    /// call timeout, which Orleans reports as a plain <see cref="TimeoutException"/> (the Redis client's are its own subtype).
    /// </summary>
    private static bool IsGrainCallFailure(Exception e) => e is Orleans.Runtime.OrleansException || e.GetType() == typeof(TimeoutException);

    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            // By exception type and request state only: the framework's messages are for people and may change.
            var (status, code, title) = exception switch
            {
                BadHttpRequestException { StatusCode: 413 } => (413, ProblemCodes.BodyTooLarge, "The request body is too large."),
                BadHttpRequestException { InnerException: JsonException } => (400, ProblemCodes.MalformedJson, "The body is not valid JSON for this request."),
                BadHttpRequestException { StatusCode: 400 } when http.Request.ContentLength is 0 => (400, ProblemCodes.BodyRequired, "This request needs a JSON body."),
                BadHttpRequestException b when b.StatusCode == 415 => (415, ProblemCodes.UnsupportedMediaType, "Send application/json."),
                BadHttpRequestException b => (b.StatusCode, "bad_request", "The request could not be read."),
                // A grain call to a replica that died and is not yet declared dead: the cluster moves the grain within seconds.
                _ when IsGrainCallFailure(exception) =>
                    (503, ProblemCodes.ClusterUnavailable, "The citizen's state is moving to another replica; try again in a second."),
                _ => (500, ProblemCodes.Internal, "Something went wrong on our side."),
            };
            http.Response.StatusCode = status;
            if (status == 503) http.Response.Headers.RetryAfter = "1";
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Type = $"https://citypass.example/problems/{code}" };
            problem.Extensions["code"] = code;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
        }
    }
}
