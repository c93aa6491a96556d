using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityPass.Server.OpenApi;

/// <summary>
/// A stable operationId for every operation: the route's own name where it has one (`.WithName`), else
/// derived from method and path, e.g. GET /v1/venues/{id}/scans.csv -> GetVenuesByIdScansCsv. A path and
/// method are unique, so the ids are; renaming a path renames its id (a breaking change anyway).
/// </summary>
internal sealed class OperationIdTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(operation.OperationId))
        {
            operation.OperationId = Derive(context.Description.HttpMethod ?? "GET", context.Description.RelativePath ?? "");
        }
        return Task.CompletedTask;
    }

    /// <summary>PascalCase words of the method and the path's segments (without the version); a parameter becomes By{Name}.</summary>
    public static string Derive(string method, string path)
    {
        var id = new StringBuilder(Pascal(method.ToLowerInvariant()));
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "v1") continue;
            if (segment.StartsWith('{'))
            {
                // "{id:guid}" -> "ById"
                var name = segment.Trim('{', '}').Split(':')[0].TrimEnd('?');
                id.Append("By").Append(Pascal(name));
            }
            else
            {
                id.Append(Pascal(segment));
            }
        }
        return id.ToString();
    }

    // "well-known" -> "WellKnown", "scans.csv" -> "ScansCsv", "status-history" -> "StatusHistory".
    private static string Pascal(string text)
    {
        var s = new StringBuilder(text.Length);
        var upper = true;
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            s.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return s.ToString();
    }
}
