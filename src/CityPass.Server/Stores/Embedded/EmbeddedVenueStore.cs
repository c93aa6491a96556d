using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Venues;

namespace CityPass.Server.Stores.Embedded;

public sealed class EmbeddedVenueStore : IVenueStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Venue> _venues = [];
    private readonly Dictionary<Guid, Gate> _gates = [];
    private readonly Dictionary<(Guid Venue, UInt128 Citizen), Booking> _bookings = [];

    public Task<IReadOnlyList<Venue>> ListVenuesAsync(IReadOnlyCollection<Guid>? only, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IEnumerable<Venue> v = _venues.Values;
            if (only is not null) v = v.Where(x => only.Contains(x.Id));
            return Task.FromResult<IReadOnlyList<Venue>>(v.OrderBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.Id).ToList());
        }
    }

    public Task<Venue?> GetVenueAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_venues.GetValueOrDefault(id));
    }

    public Task<Venue> CreateVenueAsync(Venue venue, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_venues.TryAdd(venue.Id, venue)) throw new InvalidOperationException($"Venue {venue.Id} exists.");
            return Task.FromResult(venue);
        }
    }

    public Task<Venue?> UpdateVenueAsync(Venue venue, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_venues.TryGetValue(venue.Id, out var existing)) return Task.FromResult<Venue?>(null);
            var updated = existing with { Name = venue.Name, Kind = venue.Kind, Address = venue.Address, District = venue.District };
            _venues[venue.Id] = updated;
            return Task.FromResult<Venue?>(updated);
        }
    }

    public Task<bool> DeleteVenueAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_venues.Remove(id)) return Task.FromResult(false);
            foreach (var g in _gates.Values.Where(g => g.VenueId == id).ToList()) _gates.Remove(g.Id);
            foreach (var k in _bookings.Keys.Where(k => k.Venue == id).ToList()) _bookings.Remove(k);
            return Task.FromResult(true);
        }
    }

    public Task<Venue?> SetPolicyAsync(Guid venueId, VenuePolicy policy, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_venues.TryGetValue(venueId, out var existing)) return Task.FromResult<Venue?>(null);
            var updated = existing with { Policy = policy };
            _venues[venueId] = updated;
            return Task.FromResult<Venue?>(updated);
        }
    }

    public Task<IReadOnlyList<Gate>> ListGatesAsync(Guid venueId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<Gate>>(Ordered(_gates.Values.Where(g => g.VenueId == venueId)));
    }

    public Task<IReadOnlyList<Gate>> ListAllGatesAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<Gate>>(Ordered(_gates.Values));
    }

    public Task<Gate?> GetGateAsync(Guid gateId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_gates.GetValueOrDefault(gateId));
    }

    public Task<Gate?> CreateGateAsync(Gate gate, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_venues.ContainsKey(gate.VenueId)) return Task.FromResult<Gate?>(null);
            if (!_gates.TryAdd(gate.Id, gate)) throw new InvalidOperationException($"Gate {gate.Id} exists.");
            return Task.FromResult<Gate?>(gate);
        }
    }

    public Task<Gate?> UpdateGateAsync(Gate gate, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_gates.TryGetValue(gate.Id, out var existing)) return Task.FromResult<Gate?>(null);
            var updated = existing with { Name = gate.Name };
            _gates[gate.Id] = updated;
            return Task.FromResult<Gate?>(updated);
        }
    }

    public Task<bool> DeleteGateAsync(Guid gateId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_gates.Remove(gateId));
    }

    public Task<Gate?> SetGateCredentialAsync(Guid gateId, GateCredential credential, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_gates.TryGetValue(gateId, out var existing)) return Task.FromResult<Gate?>(null);
            var updated = existing with { Credential = credential };
            _gates[gateId] = updated;
            return Task.FromResult<Gate?>(updated);
        }
    }

    // Bookings live with the venues (a deleted venue takes its bookings, as the database's cascade does);
    // the citizen store writes and reads them through these, as PostgresCitizenStore does the table.

    internal bool AddBooking(Booking booking)
    {
        lock (_lock) return _venues.ContainsKey(booking.VenueId) && _bookings.TryAdd((booking.VenueId, booking.CitizenId.Value), booking);
    }

    internal bool RemoveBooking(Guid venueId, CitizenPseudonym citizenId)
    {
        lock (_lock) return _bookings.Remove((venueId, citizenId.Value));
    }

    internal List<Booking> BookingsOf(CitizenPseudonym citizenId)
    {
        lock (_lock) return _bookings.Values.Where(b => b.CitizenId == citizenId).OrderBy(b => b.CreatedAt).ThenBy(b => b.VenueId).ToList();
    }

    public Task<IReadOnlyList<Booking>> ListBookingsAsync(Guid venueId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Booking>>(_bookings.Values.Where(b => b.VenueId == venueId).OrderBy(b => b.CreatedAt).ToList());
        }
    }

    private static List<Gate> Ordered(IEnumerable<Gate> gates) => gates.OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.Id).ToList();
}
