using System.Security.Claims;
using CityPass.Core.Citizens;

namespace CityPass.Server.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The staff scope; the route group's policy guarantees a staff token.</summary>
    public static AccessScope Scope(this ClaimsPrincipal user) =>
        AccessScope.From(user) ?? throw new InvalidOperationException("A staff endpoint was reached without a staff token.");

    /// <summary>The signed-in citizen; the route group's policy guarantees a citizen token.</summary>
    public static CitizenPseudonym CitizenId(this ClaimsPrincipal user) =>
        CitizenPseudonym.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub"), out var id)
            ? id
            : throw new InvalidOperationException("A citizen endpoint was reached without a citizen token.");
}
