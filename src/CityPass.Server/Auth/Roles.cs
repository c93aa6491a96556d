namespace CityPass.Server.Auth;

public static class Roles
{
    public const string CityAdmin = "CityAdmin";
    public const string HealthAuthority = "HealthAuthority";
    public const string VenueOperator = "VenueOperator";
    public const string Citizen = "Citizen";
    public const string Gate = "Gate";

    /// <summary>Claim carrying a venue a venue operator may manage (one claim per venue).</summary>
    public const string VenueClaim = "venue";

    /// <summary>Claim carrying the account's security stamp at sign-in; a changed stamp refuses the token or cookie.</summary>
    public const string StampClaim = "stamp";
}

public static class Policies
{
    public const string Citizen = "citizen";
    public const string Gate = "gate";
    /// <summary>Statuses, imports, audit: health authority and city admins.</summary>
    public const string Authority = "authority";
    public const string CityAdmin = "city-admin";
    /// <summary>Any signed-in member of staff.</summary>
    public const string Staff = "staff";
}
