using System.Security.Cryptography;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// The hot state in memory, for the embedded default. It decides with <see cref="EntryRules.Decide"/>
/// itself, under one lock, and records scans straight into the (embedded) archive.
/// </summary>
public sealed class EmbeddedHotState(IScanStore archive, TimeProvider clock) : IHotState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, CitizenHotState> _citizens = [];
    private readonly Dictionary<Guid, VenueHot> _venues = [];
    private readonly Dictionary<(Guid Gate, Guid Scan), Seen> _seen = [];
    private readonly Dictionary<string, (byte[] Hash, DateTimeOffset Until, int Failures)> _otps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Count, DateTimeOffset WindowEnds)> _otpsIssued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Count, DateTimeOffset WindowEnds)> _otpWrongGuesses = new(StringComparer.Ordinal);

    /// <summary>
    /// A scan's first answer, for retries until <see cref="Until"/>. <see cref="Moved"/>: it changed the venue's presence
    /// set; <see cref="Told"/>: a retry was given the answer. Both are what a withdrawal needs to know.
    /// </summary>
    private sealed class Seen(ScanOutcome outcome, DateTimeOffset until, bool moved)
    {
        public ScanOutcome Outcome { get; } = outcome;
        public DateTimeOffset Until { get; } = until;
        public bool Moved { get; } = moved;
        public bool Told { get; set; }
    }

    private sealed class VenueHot
    {
        public int Occupancy;
        public readonly HashSet<UInt128> Inside = [];
        public readonly HashSet<UInt128> Booked = [];
        /// <summary>Per citizen, the revision of the read the copy came from and the tickets that can still admit.</summary>
        public readonly Dictionary<UInt128, (long Revision, IReadOnlyList<TicketWindow> Windows)> Tickets = [];
        public readonly Dictionary<UInt128, DateTimeOffset> EnteredTokens = [];
    }

    public async Task<ScanOutcome?> ScanAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var a = attempt;
        ScanOutcome outcome;
        lock (_lock)
        {
            Expire(a.Now);
            if (_seen.TryGetValue((a.GateId, a.ScanId), out var first))
            {
                first.Told = true;
                return first.Outcome with { Duplicate = true };
            }

            CitizenHotState? citizen = null;
            if (a.Claims.Pseudonym is { } id && !_citizens.TryGetValue(id.Value, out citizen)) return null;

            var venue = Venue(a.VenueId);
            var key = a.Claims.Pseudonym?.Value;
            // As the script: tickets are read only where the venue requires a booking; a ticket valid now beats a plain booking (it has a seat).
            var ticket = a.Policy.RequiresBooking && key is { } k0 && venue.Tickets.TryGetValue(k0, out var held) ? TicketWindow.Admitting(held.Windows, a.Now) : null;
            var situation = new VenueSituation(
                venue.Occupancy,
                CitizenInside: key is { } k1 && venue.Inside.Contains(k1),
                HasBooking: ticket is not null || (key is { } k2 && venue.Booked.Contains(k2)),
                TokenAlreadyEntered: venue.EnteredTokens.ContainsKey(a.Claims.TokenId.Value),
                Seat: ticket?.Seat);
            var snapshot = citizen is null ? (CitizenSnapshot?)null : new CitizenSnapshot(citizen.Colour, citizen.StatusVersion, citizen.Credentials, null);
            var decision = EntryRules.Decide(a.Claims, snapshot, a.Policy, situation, a.Direction, a.Now);

            // A late upload describes the past: it is recorded as decided, but today's figures stay as they are.
            var moved = false;
            if (decision.Allowed && !a.LateUpload)
            {
                venue.Occupancy = decision.OccupancyAfter;
                // Who is inside is kept only where anti-passback reads it (as the script).
                if (key is { } k && a.Policy.AntiPassback) moved = a.Direction == ScanDirection.In ? venue.Inside.Add(k) : venue.Inside.Remove(k);
                if (a.Direction == ScanDirection.In) venue.EnteredTokens[a.Claims.TokenId.Value] = a.ReplayMarkUntil;
            }

            var record = new ScanRecord(a.ScanId, a.GateId, a.VenueId, a.Direction, decision.Allowed, decision.Code, decision.Colour,
                citizen?.MaskedName ?? "*", a.Claims.Pseudonym, a.Claims.Issuer, a.Claims.TokenId, a.ScannedAt, a.Now, a.LateUpload);
            outcome = new ScanOutcome(record, venue.Occupancy, Duplicate: false) { Seat = decision.Seat };
            _seen[(a.GateId, a.ScanId)] = new Seen(outcome, a.Now + a.DedupeWindow, moved);
        }
        await archive.InsertAsync([outcome.Record], cancellationToken);
        return outcome;
    }

    public async Task<bool> WithdrawAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var a = attempt;
        ScanRecord record;
        lock (_lock)
        {
            // Only the refused attempt's own decision (a retry that met an earlier attempt's answer changed nothing),
            // and only while no retry has been given it (the gate acted on that answer: it stands).
            if (!_seen.TryGetValue((a.GateId, a.ScanId), out var seen) || seen.Outcome.Record.DecidedAt != a.Now || seen.Told) return false;
            record = seen.Outcome.Record;
            if (record.Allowed && !record.LateUpload)
            {
                var venue = Venue(a.VenueId);
                var key = record.CitizenId?.Value;
                if (record.Direction == ScanDirection.In)
                {
                    venue.Occupancy = Math.Max(0, venue.Occupancy - 1);
                    if (seen.Moved && key is { } k) venue.Inside.Remove(k);
                    venue.EnteredTokens.Remove(record.TokenId.Value);
                }
                else
                {
                    venue.Occupancy++;
                    if (seen.Moved && key is { } k) venue.Inside.Add(k);
                }
            }
            _seen.Remove((a.GateId, a.ScanId));
        }
        await archive.InsertAsync([record with { Withdrawn = true }], cancellationToken);
        return true;
    }

    public Task PutCitizenAsync(CitizenHotState citizen, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_citizens.TryGetValue(citizen.Id.Value, out var current) || current.StatusVersion <= citizen.StatusVersion)
            {
                _citizens[citizen.Id.Value] = citizen;
            }
        }
        return Task.CompletedTask;
    }

    public Task<CitizenHotState?> GetCitizenAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_citizens.GetValueOrDefault(id.Value));
    }

    public Task<int> GetOccupancyAsync(Guid venueId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_venues.TryGetValue(venueId, out var v) ? v.Occupancy : 0);
    }

    public Task SetBookingAsync(Guid venueId, CitizenPseudonym citizenId, bool booked, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var venue = Venue(venueId);
            if (booked) venue.Booked.Add(citizenId.Value);
            else venue.Booked.Remove(citizenId.Value);
        }
        return Task.CompletedTask;
    }

    public Task PutTicketsAsync(Guid venueId, long revision, IReadOnlyDictionary<CitizenPseudonym, IReadOnlyList<TicketWindow>> tickets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        lock (_lock)
        {
            var venue = Venue(venueId);
            foreach (var (citizen, windows) in tickets)
            {
                if (venue.Tickets.TryGetValue(citizen.Value, out var held) && held.Revision > revision) continue;
                venue.Tickets[citizen.Value] = (revision, [.. windows]);
            }
        }
        return Task.CompletedTask;
    }

    public Task ForgetVenueAsync(Guid venueId, CancellationToken cancellationToken)
    {
        lock (_lock) _venues.Remove(venueId);
        return Task.CompletedTask;
    }

    public Task PutPresenceAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym> inside, bool replace, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var venue = Venue(venueId);
            if (replace) venue.Inside.Clear();
            foreach (var citizen in inside) venue.Inside.Add(citizen.Value);
        }
        return Task.CompletedTask;
    }

    public Task<bool> TryStoreOtpAsync(string phone, byte[] codeHash, TimeSpan ttl, int maxCodesPerHour, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var issued = HourWindow(_otpsIssued, phone, now);
            if (issued.Count >= maxCodesPerHour) return Task.FromResult(false);
            _otpsIssued[phone] = issued with { Count = issued.Count + 1 };
            _otps[phone] = (codeHash, now + ttl, 0);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseOtpAsync(string phone, byte[] codeHash, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_otps.TryGetValue(phone, out var otp) && CryptographicOperations.FixedTimeEquals(otp.Hash, codeHash)) _otps.Remove(phone);
            if (_otpsIssued.TryGetValue(phone, out var issued) && issued.Count > 0) _otpsIssued[phone] = issued with { Count = issued.Count - 1 };
            return Task.CompletedTask;
        }
    }

    public Task<OtpCheck> CheckOtpAsync(string phone, byte[] codeHash, int maxAttempts, int maxWrongPerHour, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var wrong = HourWindow(_otpWrongGuesses, phone, now);
            if (wrong.Count >= maxWrongPerHour) return Task.FromResult(OtpCheck.Locked);
            if (!_otps.TryGetValue(phone, out var otp) || otp.Until <= now) return Task.FromResult(OtpCheck.Missing);
            if (CryptographicOperations.FixedTimeEquals(otp.Hash, codeHash))
            {
                _otps.Remove(phone);
                return Task.FromResult(OtpCheck.Valid);
            }
            _otpWrongGuesses[phone] = wrong with { Count = wrong.Count + 1 };
            var failures = otp.Failures + 1;
            if (failures >= maxAttempts)
            {
                _otps.Remove(phone);
                return Task.FromResult(OtpCheck.TooManyAttempts);
            }
            _otps[phone] = otp with { Failures = failures };
            return Task.FromResult(OtpCheck.Invalid);
        }
    }

    // A fixed window that starts with the phone's first event and lasts an hour, as Redis's INCR + PEXPIRE does.
    private static (int Count, DateTimeOffset WindowEnds) HourWindow(Dictionary<string, (int Count, DateTimeOffset WindowEnds)> windows, string phone, DateTimeOffset now) =>
        windows.TryGetValue(phone, out var w) && w.WindowEnds > now ? w : (0, now + TimeSpan.FromHours(1));

    private VenueHot Venue(Guid id)
    {
        if (!_venues.TryGetValue(id, out var v)) _venues[id] = v = new VenueHot();
        return v;
    }

    // Keeps memory bounded: forget dedupe answers and replay marks once their windows pass.
    private DateTimeOffset _nextExpiry;

    private void Expire(DateTimeOffset now)
    {
        if (now < _nextExpiry) return;
        _nextExpiry = now + TimeSpan.FromMinutes(1);
        foreach (var k in _seen.Where(p => p.Value.Until <= now).Select(p => p.Key).ToList()) _seen.Remove(k);
        foreach (var v in _venues.Values)
        {
            foreach (var t in v.EnteredTokens.Where(p => p.Value <= now).Select(p => p.Key).ToList()) v.EnteredTokens.Remove(t);
        }
    }
}
