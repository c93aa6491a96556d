using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityPass.Server.OpenApi;

/// <summary>
/// `security` on every operation that needs a credential, read from the endpoint's authorization
/// metadata (the policies on its route group, AllowAnonymous) and the policies' authentication schemes.
/// </summary>
internal sealed class SecurityTransformer(IAuthorizationPolicyProvider policies) : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var access = await EndpointAccess.OfAsync(context.Description.ActionDescriptor.EndpointMetadata, policies);
        if (access.Schemes.Count == 0)
        {
            // Explicitly none: a client sends no credential here.
            operation.Security = [];
            AppendWho(operation, "Anyone: no credential.");
            return;
        }

        // One requirement per scheme: any of them will do (the routes here each name one).
        operation.Security = [.. access.Schemes.Select(s => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(s, context.Document)] = [] })];
        AppendWho(operation, $"Roles: {string.Join(", ", access.Roles)}.");
    }

    // Who may call, as the last paragraph of the description: a generated client shows it on the method.
    private static void AppendWho(OpenApiOperation operation, string who) =>
        operation.Description = operation.Description is { Length: > 0 } d ? $"{d}\n\n{who}" : who;
}
