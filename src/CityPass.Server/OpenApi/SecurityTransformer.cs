using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
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

/// <summary>Who may call an endpoint, as the authorization middleware will decide it.</summary>
internal sealed record EndpointAccess(IReadOnlySet<string> Schemes, IReadOnlySet<string> Roles)
{
    public bool NeedsCredential => Schemes.Count > 0;

    public static async Task<EndpointAccess> OfAsync(IList<object> metadata, IAuthorizationPolicyProvider policies)
    {
        var schemes = new SortedSet<string>(StringComparer.Ordinal);
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        // Any AllowAnonymous wins over the group's policies, as in the middleware.
        if (metadata.OfType<IAllowAnonymous>().Any()) return new EndpointAccess(schemes, roles);
        foreach (var data in metadata.OfType<IAuthorizeData>())
        {
            var policy = (data.Policy is { } name ? await policies.GetPolicyAsync(name) : await policies.GetDefaultPolicyAsync())
                ?? throw new InvalidOperationException($"Authorization policy '{data.Policy}' is not registered.");
            foreach (var scheme in policy.AuthenticationSchemes) schemes.Add(SecuritySchemes.For(scheme));
            foreach (var requirement in policy.Requirements.OfType<RolesAuthorizationRequirement>()) roles.UnionWith(requirement.AllowedRoles);
        }
        return new EndpointAccess(schemes, roles);
    }
}
