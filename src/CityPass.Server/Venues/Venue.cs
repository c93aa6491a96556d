using CityPass.Core.Venues;

namespace CityPass.Server.Venues;

/// <summary>A place with gates: library, clinic, theatre, housing estate...</summary>
public sealed record Venue(Guid Id, string Name, string Kind, string Address, VenuePolicy Policy, DateTimeOffset CreatedAt)
{
    /// <summary>The city district it is in (黄浦区, Xuhui...), for the city dashboard's occupancy by district; empty when not assigned.</summary>
    public string District { get; init; } = "";
}

/// <summary>A turnstile or door terminal of a venue.</summary>
public sealed record Gate(Guid Id, Guid VenueId, string Name, DateTimeOffset CreatedAt, GateCredential? Credential);

/// <summary>
/// A gate's device credential. The secret is shown once at provisioning; only its SHA-256 is kept
/// (the secret is 256 random bits, so a fast hash is enough). Revoked credentials stay for the record.
/// </summary>
public sealed record GateCredential(byte[] SecretHash, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt)
{
    public bool IsActive => RevokedAt is null;
}
