using CityPass.Core.Venues;

namespace CityPass.Server.Venues;

/// <summary>A venue's description. <see cref="District"/>: null on an update keeps the venue's district (clients that predate it).</summary>
public sealed record VenueDraft(string? Name, string? Kind, string? Address, string? District = null);

/// <summary>A venue. <see cref="District"/> is empty when none was assigned.</summary>
public sealed record VenueView(Guid Id, string Name, string Kind, string Address, VenuePolicyDocument Policy, DateTimeOffset CreatedAt, string District)
{
    public static VenueView From(Venue v) => new(v.Id, v.Name, v.Kind, v.Address, VenuePolicyDocument.From(v.Policy), v.CreatedAt, v.District);
}

public sealed record GateDraft(string? Name);

public sealed record GateCredentialView(DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt, bool Active);

/// <summary>
/// A gate. <see cref="ClockDriftSeconds"/>: how far its clock was ahead (positive) or behind the server's at its newest
/// live scan of the last day, null when it made none. <see cref="LastLateUploadAt"/>: when its newest late upload of the
/// last day arrived (offline, or a clock behind by more than Scans:LateAfterSeconds), null when none.
/// </summary>
public sealed record GateView(Guid Id, Guid VenueId, string Name, DateTimeOffset CreatedAt, GateCredentialView? Credential,
    double? ClockDriftSeconds, DateTimeOffset? LastLateUploadAt)
{
    public static GateView From(Gate g, GateClock? clock = null) => new(g.Id, g.VenueId, g.Name, g.CreatedAt,
        g.Credential is { } c ? new GateCredentialView(c.IssuedAt, c.RevokedAt, c.IsActive) : null,
        clock?.Drift is { } drift ? Math.Round(drift.TotalSeconds, 3) : null, clock?.LastLateUploadAt);
}

/// <summary>
/// A newly provisioned device credential. <see cref="Credential"/> is shown this once and never again, and so is
/// <see cref="EnrolmentLink"/>, which holds it (with the server's origin and the federation key's fingerprint): what a
/// gate enrols from (docs/gate-sdk.md).
/// </summary>
public sealed record IssuedGateCredential(Guid GateId, string Credential, DateTimeOffset IssuedAt)
{
    public string? EnrolmentLink { get; init; }
}

public sealed record OccupancyView(Guid VenueId, string Name, int Count, int? Capacity, DateTimeOffset At);

public sealed record BookingView(Guid VenueId, string CitizenId, DateTimeOffset CreatedAt);
