using System.Security.Claims;

namespace CityPass.Server.Auth;

/// <summary>
/// What a signed-in member of staff may see. Every service that serves both the API and the console
/// takes one, so tenancy is enforced in one place: a venue outside the scope does not exist for the
/// caller (404, never 403, so ids of other venues can't be probed).
/// </summary>
public sealed record AccessScope(Guid OperatorId, string Actor, OperatorRole Role, IReadOnlySet<Guid> VenueIds)
{
    public bool IsCityWide => Role is OperatorRole.CityAdmin or OperatorRole.HealthAuthority;

    public bool CanSeeVenue(Guid venueId) => IsCityWide || VenueIds.Contains(venueId);

    /// <summary>Creating and deleting venues, managing staff: city admins only.</summary>
    public bool IsCityAdmin => Role == OperatorRole.CityAdmin;

    /// <summary>Gates, policies, bookings of a venue: its operators and city admins (the authority reads, it does not run venues).</summary>
    public bool CanManageVenue(Guid venueId) => Role == OperatorRole.CityAdmin || (Role == OperatorRole.VenueOperator && VenueIds.Contains(venueId));

    /// <summary>Citizens' statuses, imports and the audit log: the health authority and city admins.</summary>
    public bool IsAuthority => Role is OperatorRole.CityAdmin or OperatorRole.HealthAuthority;

    /// <summary>The role by its name in tokens (<see cref="Roles"/>): all a citizen is told of who changed their status.</summary>
    public string RoleName => Role switch
    {
        OperatorRole.CityAdmin => Roles.CityAdmin,
        OperatorRole.HealthAuthority => Roles.HealthAuthority,
        OperatorRole.VenueOperator => Roles.VenueOperator,
    };

    /// <summary>Null ids mean every venue, for city-wide roles.</summary>
    public IReadOnlyCollection<Guid>? VenueFilter => IsCityWide ? null : VenueIds;

    public static AccessScope? From(ClaimsPrincipal user)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub"), out var id)) return null;
        var role = user.FindFirstValue(ClaimTypes.Role) switch
        {
            Roles.CityAdmin => OperatorRole.CityAdmin,
            Roles.HealthAuthority => OperatorRole.HealthAuthority,
            Roles.VenueOperator => OperatorRole.VenueOperator,
            _ => (OperatorRole?)null,
        };
        if (role is null) return null;
        var venues = user.FindAll(Roles.VenueClaim).Select(c => Guid.TryParse(c.Value, out var v) ? v : Guid.Empty).Where(v => v != Guid.Empty).ToHashSet();
        return new AccessScope(id, user.FindFirstValue(ClaimTypes.Name) ?? id.ToString(), role.Value, venues);
    }
}
