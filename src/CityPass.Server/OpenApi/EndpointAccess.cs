using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;

namespace CityPass.Server.OpenApi;

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
