using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;

namespace CityPass.Server.Venues;

/// <summary>
/// Venues, their gates, device credentials, policies and bookings, for the API and the console alike.
/// Tenancy is enforced here: a venue outside the caller's scope answers "not found". Every change
/// is audited here, once, whether it came from the API or the console; never with a credential's secret.
/// </summary>
public sealed class VenueService(IVenueStore store, IVenueHotState hot, IPresenceKeeping presence, IGrainFactory grains, ActiveCitizens activeCitizens, IAuditLog audit,
    GateDirectory directory, IGateClocks gateClocks, TimeProvider clock)
{
    public async Task<IReadOnlyList<VenueView>> ListAsync(AccessScope scope, CancellationToken ct) =>
        (await store.ListVenuesAsync(scope.VenueFilter, ct)).Select(VenueView.From).ToList();

    public async Task<Outcome<VenueView>> GetAsync(AccessScope scope, Guid id, CancellationToken ct) =>
        await VisibleAsync(scope, id, ct) is { } v ? VenueView.From(v) : Failure.NotFound("Venue");

    public async Task<Outcome<VenueView>> CreateAsync(AccessScope scope, VenueDraft draft, CancellationToken ct)
    {
        if (!scope.IsCityAdmin) return Failure.Forbidden("Only city admins create venues.");
        if (ValidateVenue(draft) is { } invalid) return invalid;
        var venue = new Venue(Guid.NewGuid(), draft.Name!.Trim(), draft.Kind!.Trim(), draft.Address?.Trim() ?? "", Core.Venues.VenuePolicy.Default, clock.GetUtcNow())
        {
            District = draft.District?.Trim() ?? "",
        };
        await store.CreateVenueAsync(venue, ct);
        await AuditAsync(scope, "venue.create", venue.Id, null, venue.Name, ct);
        directory.Invalidate();
        return VenueView.From(venue);
    }

    public async Task<Outcome<VenueView>> UpdateAsync(AccessScope scope, Guid id, VenueDraft draft, CancellationToken ct)
    {
        if (await ManagedAsync(scope, id, ct) is not { } existing) return Failure.NotFound("Venue");
        if (ValidateVenue(draft) is { } invalid) return invalid;
        var updated = await store.UpdateVenueAsync(existing with { Name = draft.Name!.Trim(), Kind = draft.Kind!.Trim(), Address = draft.Address?.Trim() ?? "", District = draft.District?.Trim() ?? existing.District }, ct);
        directory.Invalidate();
        if (updated is null) return Failure.NotFound("Venue");
        await AuditAsync(scope, "venue.update", id, Describe(existing), Describe(updated), ct);
        return VenueView.From(updated);
    }

    public async Task<Failure?> DeleteAsync(AccessScope scope, Guid id, CancellationToken ct)
    {
        if (await VisibleAsync(scope, id, ct) is not { } venue) return Failure.NotFound("Venue");
        if (!scope.IsCityAdmin) return Failure.Forbidden("Only city admins delete venues.");
        var booked = (await store.ListBookingsAsync(id, ct)).Select(b => b.CitizenId).ToList();
        await store.DeleteVenueAsync(id, ct);
        await hot.ForgetVenueAsync(id, ct);
        // Its bookings went with it, around the grains: the ones holding them read their citizen again.
        await activeCitizens.ChangedAsync(booked, ct);
        await AuditAsync(scope, "venue.delete", id, venue.Name, null, ct);
        directory.Invalidate();
        return null;
    }

    public async Task<Outcome<VenuePolicyDocument>> GetPolicyAsync(AccessScope scope, Guid id, CancellationToken ct) =>
        await VisibleAsync(scope, id, ct) is { } v ? VenuePolicyDocument.From(v.Policy) : Failure.NotFound("Venue");

    public async Task<Outcome<VenuePolicyDocument>> SetPolicyAsync(AccessScope scope, Guid id, VenuePolicyDocument? document, CancellationToken ct)
    {
        if (await ManagedAsync(scope, id, ct) is not { } venue) return Failure.NotFound("Venue");
        if (document is null) return Failure.Invalid("", "A policy is required.");
        var (policy, errors) = document.ToPolicy();
        if (policy is null) return Failure.Invalid(errors);
        // Who is inside is kept only under anti-passback. Started before the policy is stored: stored first, it would
        // refuse the exits of people already inside; should starting fail (a store away), nothing has changed.
        if (policy.AntiPassback && !venue.Policy.AntiPassback) await presence.StartAsync(venue, ct);
        await store.SetPolicyAsync(id, policy, ct);
        var after = VenuePolicyDocument.From(policy);
        await AuditAsync(scope, "venue.policy.set", id, VenuePolicyDocument.From(venue.Policy).ToJson(), after.ToJson(), ct);
        directory.Invalidate();
        if (!policy.AntiPassback && venue.Policy.AntiPassback) await presence.StopAsync(id, ct);
        return after;
    }

    public async Task<Outcome<OccupancyView>> GetOccupancyAsync(AccessScope? scope, Guid id, CancellationToken ct)
    {
        var venue = scope is null ? await store.GetVenueAsync(id, ct) : await VisibleAsync(scope, id, ct);
        if (venue is null) return Failure.NotFound("Venue");
        return new OccupancyView(id, venue.Name, await hot.GetOccupancyAsync(id, ct), venue.Policy.Capacity, clock.GetUtcNow());
    }

    /// <summary>Occupancy of every venue, for the public page: counts and capacities only.</summary>
    public async Task<IReadOnlyList<OccupancyView>> GetAllOccupancyAsync(CancellationToken ct)
    {
        var venues = await store.ListVenuesAsync(null, ct);
        var counts = await Task.WhenAll(venues.Select(v => hot.GetOccupancyAsync(v.Id, ct)));
        var now = clock.GetUtcNow();
        return venues.Select((v, i) => new OccupancyView(v.Id, v.Name, counts[i], v.Policy.Capacity, now)).ToList();
    }

    public async Task<Outcome<IReadOnlyList<GateView>>> ListGatesAsync(AccessScope scope, Guid venueId, CancellationToken ct)
    {
        if (await VisibleAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        return await ViewsAsync(await store.ListGatesAsync(venueId, ct), ct);
    }

    public async Task<Outcome<GateView>> GetGateAsync(AccessScope scope, Guid gateId, CancellationToken ct) =>
        await VisibleGateAsync(scope, gateId, ct) is { } g ? await ViewAsync(g, ct) : Failure.NotFound("Gate");

    public async Task<Outcome<GateView>> CreateGateAsync(AccessScope scope, Guid venueId, GateDraft draft, CancellationToken ct)
    {
        if (await ManagedAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        if (ValidateName(draft.Name) is { } invalid) return invalid;
        var gate = await store.CreateGateAsync(new Gate(Guid.NewGuid(), venueId, draft.Name!.Trim(), clock.GetUtcNow(), null), ct);
        directory.Invalidate();
        if (gate is null) return Failure.NotFound("Venue");
        await AuditAsync(scope, "gate.create", gate.Id, null, $"{gate.Name} (venue:{venueId})", ct);
        return GateView.From(gate);
    }

    public async Task<Outcome<GateView>> UpdateGateAsync(AccessScope scope, Guid gateId, GateDraft draft, CancellationToken ct)
    {
        if (await ManagedGateAsync(scope, gateId, ct) is not { } gate) return Failure.NotFound("Gate");
        if (ValidateName(draft.Name) is { } invalid) return invalid;
        var updated = await store.UpdateGateAsync(gate with { Name = draft.Name!.Trim() }, ct);
        directory.Invalidate();
        if (updated is null) return Failure.NotFound("Gate");
        await AuditAsync(scope, "gate.rename", gateId, gate.Name, updated.Name, ct);
        return await ViewAsync(updated, ct);
    }

    public async Task<Failure?> DeleteGateAsync(AccessScope scope, Guid gateId, CancellationToken ct)
    {
        if (await ManagedGateAsync(scope, gateId, ct) is not { } gate) return Failure.NotFound("Gate");
        await store.DeleteGateAsync(gateId, ct);
        await AuditAsync(scope, "gate.delete", gateId, $"{gate.Name} (venue:{gate.VenueId})", null, ct);
        directory.Invalidate();
        return null;
    }

    /// <summary>Provisions a new device credential (replacing any earlier one, which stops working at once).</summary>
    public async Task<Outcome<IssuedGateCredential>> IssueCredentialAsync(AccessScope scope, Guid gateId, CancellationToken ct)
    {
        if (await ManagedGateAsync(scope, gateId, ct) is null) return Failure.NotFound("Gate");
        var (credential, hash) = GateCredentials.Create(gateId);
        var issuedAt = clock.GetUtcNow();
        await store.SetGateCredentialAsync(gateId, new GateCredential(hash, issuedAt, null), ct);
        await AuditAsync(scope, "gate.credential.issue", gateId, null, "issued", ct);
        directory.Invalidate();
        return new IssuedGateCredential(gateId, credential, issuedAt);
    }

    public async Task<Outcome<GateView>> RevokeCredentialAsync(AccessScope scope, Guid gateId, CancellationToken ct)
    {
        if (await ManagedGateAsync(scope, gateId, ct) is not { } gate) return Failure.NotFound("Gate");
        if (gate.Credential is not { IsActive: true } credential) return Failure.Conflict("The gate has no active credential.");
        var revoked = await store.SetGateCredentialAsync(gateId, credential with { RevokedAt = clock.GetUtcNow() }, ct);
        await AuditAsync(scope, "gate.credential.revoke", gateId, "active", "revoked", ct);
        directory.Invalidate();
        return revoked is null ? Failure.NotFound("Gate") : await ViewAsync(revoked, ct);
    }

    public async Task<Outcome<IReadOnlyList<BookingView>>> ListBookingsAsync(AccessScope scope, Guid venueId, CancellationToken ct)
    {
        if (await VisibleAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        return (await store.ListBookingsAsync(venueId, ct)).Select(b => new BookingView(b.VenueId, b.CitizenId.ToString(), b.CreatedAt)).ToList();
    }

    public async Task<Failure?> SetBookingAsync(AccessScope scope, Guid venueId, string citizenId, bool booked, CancellationToken ct)
    {
        if (await ManagedAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        if (!CitizenPseudonym.TryParse(citizenId, out var citizen)) return Failure.NotFound("Citizen");
        // Through the citizen's grain, the single writer of the citizen: store, then the venue's hot set, then held.
        await grains.Citizen(citizen).SetBookingAsync(venueId, booked);
        // Subject is the venue (whose bookings changed); the citizen is named by pseudonym only.
        await AuditAsync(scope, booked ? "venue.booking.add" : "venue.booking.remove", venueId, null, $"citizen:{citizen}", ct);
        return null;
    }

    /// <summary>Gates with their clocks as the archive shows them (one query for all of them).</summary>
    private async Task<List<GateView>> ViewsAsync(IReadOnlyList<Gate> gates, CancellationToken ct)
    {
        if (gates.Count == 0) return [];
        var clocks = await gateClocks.GateClocksAsync(gates.Select(g => g.Id).ToList(), clock.GetUtcNow() - GateClock.Window, ct);
        return gates.Select(g => GateView.From(g, clocks.FirstOrDefault(c => c.GateId == g.Id))).ToList();
    }

    private async Task<GateView> ViewAsync(Gate gate, CancellationToken ct) => (await ViewsAsync([gate], ct))[0];

    /// <summary>The venue if the caller may see it; null otherwise (so callers answer 404, never 403).</summary>
    public async Task<Venue?> VisibleAsync(AccessScope scope, Guid id, CancellationToken ct) =>
        scope.CanSeeVenue(id) ? await store.GetVenueAsync(id, ct) : null;

    private async Task<Venue?> ManagedAsync(AccessScope scope, Guid id, CancellationToken ct) =>
        scope.CanManageVenue(id) ? await store.GetVenueAsync(id, ct) : null;

    private async Task<Gate?> VisibleGateAsync(AccessScope scope, Guid gateId, CancellationToken ct) =>
        await store.GetGateAsync(gateId, ct) is { } g && scope.CanSeeVenue(g.VenueId) ? g : null;

    private async Task<Gate?> ManagedGateAsync(AccessScope scope, Guid gateId, CancellationToken ct) =>
        await store.GetGateAsync(gateId, ct) is { } g && scope.CanManageVenue(g.VenueId) ? g : null;

    private static Failure? ValidateVenue(VenueDraft draft)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(draft.Name) || draft.Name.Length > 200) errors["name"] = ["A name of 1 to 200 characters is required."];
        if (string.IsNullOrWhiteSpace(draft.Kind) || draft.Kind.Length > 50) errors["kind"] = ["A kind of 1 to 50 characters is required (library, clinic, theatre...)."];
        if (draft.Address is { Length: > 500 }) errors["address"] = ["At most 500 characters."];
        if (draft.District is { Length: > 100 }) errors["district"] = ["At most 100 characters."];
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }

    private static string Describe(Venue v) => v.District.Length == 0 ? $"{v.Name} | {v.Kind} | {v.Address}" : $"{v.Name} | {v.Kind} | {v.Address} | {v.District}";

    private static Failure? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > 200 ? Failure.Invalid("name", "A name of 1 to 200 characters is required.") : null;

    private Task<AuditEntry> AuditAsync(AccessScope scope, string action, Guid subject, string? before, string? after, CancellationToken ct) =>
        audit.AppendAsync(new AuditDraft(clock.GetUtcNow(), scope.Actor, action, $"{action.Split('.')[0]}:{subject}", before, after, action, null), ct);
}
