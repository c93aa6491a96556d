using Microsoft.AspNetCore.Http.Metadata;

namespace CityPass.Server.Problems;

/// <summary>
/// Refuses a body whose declared length exceeds the endpoint's limit before anything reads it,
/// whatever server is in front (Kestrel enforces the same limit on bodies without a length).
/// </summary>
public static class RequestSizeGuard
{
    public static IApplicationBuilder UseRequestSizeGuard(this IApplicationBuilder app, long defaultLimit) => app.Use(async (http, next) =>
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? defaultLimit;
        if (http.Request.ContentLength > limit)
        {
            await Problem.Of(StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "The request body is too large.",
                $"At most {limit} bytes here.").ExecuteAsync(http);
            return;
        }
        await next(http);
    });
}
