namespace CityPass.Server.Auth;

/// <summary>The role of a member of staff: what <see cref="AccessScope"/> decides by and staff tokens carry (<see cref="Roles"/>).</summary>
public enum OperatorRole
{
    CityAdmin,
    HealthAuthority,
    VenueOperator,
}
