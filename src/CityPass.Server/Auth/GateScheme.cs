namespace CityPass.Server.Auth;

/// <summary>
/// The name of the gates' authentication scheme (<c>Authorization: Gate cpg_...</c>) and the claims it gives a gate.
/// The handler is the Venues feature's (<c>Venues/GateAuthenticationHandler</c>), which keeps the gate directory it checks.
/// </summary>
public static class GateScheme
{
    public const string Name = "Gate";
    public const string GateIdClaim = "gate";
    public const string VenueIdClaim = "venue";
}
