namespace CityPass.Server.Venues;

public sealed record VenueDraft(string? Name, string? Kind, string? Address);

public sealed record VenueView(Guid Id, string Name, string Kind, string Address, VenuePolicyDocument Policy, DateTimeOffset CreatedAt)
{
    public static VenueView From(Venue v) => new(v.Id, v.Name, v.Kind, v.Address, VenuePolicyDocument.From(v.Policy), v.CreatedAt);
}

public sealed record GateDraft(string? Name);

public sealed record GateCredentialView(DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt, bool Active);

public sealed record GateView(Guid Id, Guid VenueId, string Name, DateTimeOffset CreatedAt, GateCredentialView? Credential)
{
    public static GateView From(Gate g) => new(g.Id, g.VenueId, g.Name, g.CreatedAt,
        g.Credential is { } c ? new GateCredentialView(c.IssuedAt, c.RevokedAt, c.IsActive) : null);
}

/// <summary>A newly provisioned device credential. <see cref="Credential"/> is shown this once and never again.</summary>
public sealed record IssuedGateCredential(Guid GateId, string Credential, DateTimeOffset IssuedAt);

public sealed record OccupancyView(Guid VenueId, string Name, int Count, int? Capacity, DateTimeOffset At);

public sealed record BookingView(Guid VenueId, string CitizenId, DateTimeOffset CreatedAt);
