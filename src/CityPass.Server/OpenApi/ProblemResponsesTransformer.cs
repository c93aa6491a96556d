using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace CityPass.Server.OpenApi;

/// <summary>
/// Every operation's problem+json error responses, all of one shared ProblemDetails schema with the
/// `code` extension. Derived from the endpoint: 401/403 from its credential, 429 from its rate limit,
/// 400/413/415 from its input, 404 from path parameters, 503 always (a store may not answer); what only
/// the route knows (409, 422, ...) it declares itself with `.ProducesProblem(status)`.
/// </summary>
internal sealed class ProblemResponsesTransformer(IAuthorizationPolicyProvider policies) : IOpenApiOperationTransformer
{
    public const string SchemaId = "ProblemDetails";
    private const string ProblemJson = "application/problem+json";

    /// <summary>What each status means here and the codes it carries (docs/api.md, "Errors").</summary>
    private static readonly Dictionary<int, string> Descriptions = new()
    {
        [400] = "The request is not valid: `validation_failed` (with `errors`: field -> messages), `malformed_json`, `body_required`, `bad_request`.",
        [401] = "No valid credential: `token_missing`, `token_expired`, `token_invalid`, `token_revoked`, `invalid_credentials`, `otp_invalid`, `otp_missing`, " +
                "`otp_too_many_attempts`, `otp_locked`, `gate_credential_invalid`, `gate_credential_revoked`.",
        [403] = "The caller's role may not do this: `forbidden`, `account_disabled`, `draft_own`, `draft_approver_role`.",
        [404] = "Not found, or not visible to the caller (a venue operator gets 404 for other venues): `not_found`.",
        [409] = "In conflict with the current state: `conflict`, `case_closed`, `draft_decided`, `draft_expired`, `appeal_already_open`, " +
                "`appeal_status_already_appealed`, `appeal_already_decided`, `appeal_superseded`, `appeal_change_held`, `status_version_conflict`.",
        [413] = "The body is too large: `body_too_large`.",
        [415] = "The body's media type is not accepted: `unsupported_media_type`.",
        [422] = "Well-formed but refused: a pass failure code with `decision: deny` (`expired`, `signature_invalid`, `malformed`, ...), `case_not_found`, " +
                "`case_closed`, `case_not_health`, `trace_too_many_visits`, `appeal_status_green`, a refused key-set document's code.",
        [429] = "Too many requests (per gate, per citizen, sign-ins per address): `rate_limited`, with `Retry-After`.",
        [503] = "A store or dependency did not answer in time; nothing was done: `store_unavailable`, `cluster_unavailable`, `sms_unavailable`, " +
                "`service_unavailable`, with `Retry-After`. Retry (a gate with the same scan id).",
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var access = await EndpointAccess.OfAsync(metadata, policies);
        var statuses = new SortedSet<int> { 503 };
        if (operation.RequestBody is not null) statuses.UnionWith([400, 413, 415]);
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true) statuses.Add(400);
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true) statuses.Add(404);
        if (access.NeedsCredential) statuses.Add(401);
        // A bearer token names a role; a gate's credential is its only role.
        if (access.Schemes.Contains(SecuritySchemes.Bearer)) statuses.Add(403);
        if (metadata.OfType<EnableRateLimitingAttribute>().Any() && !metadata.OfType<DisableRateLimitingAttribute>().Any()) statuses.Add(429);

        operation.Responses ??= [];
        foreach (var (key, _) in operation.Responses)
        {
            if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var declared) && declared >= 400) statuses.Add(declared);
        }
        foreach (var status in statuses)
        {
            operation.Responses[status.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = Descriptions.TryGetValue(status, out var d) ? d : "A problem: see its `code`.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemJson] = new() { Schema = new OpenApiSchemaReference(SchemaId, context.Document) },
                },
            };
        }
    }

    /// <summary>RFC 9457 ProblemDetails as this server writes it: always a `code`.</summary>
    public static OpenApiSchema Schema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. Clients branch on `code`, never on `title`.",
        Required = new HashSet<string> { "code", "status", "title" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the problem (ends in the code)." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A human-readable summary; not for branching." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The stable machine code, e.g. `token_expired`, `validation_failed`, `expired`." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "With `validation_failed`: field -> messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["decision"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "With a pass failure (422 on a scan): `deny`." },
        },
    };
}
