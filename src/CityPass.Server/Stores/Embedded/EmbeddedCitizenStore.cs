using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Citizens;

namespace CityPass.Server.Stores.Embedded;

/// <summary>Citizens in memory, for the embedded default. One lock: the embedded mode is for one machine, not for load.</summary>
public sealed class EmbeddedCitizenStore(EmbeddedAuditLog audit, EmbeddedVenueStore venues) : ICitizenStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<UInt128, Citizen> _byId = [];
    private readonly Dictionary<string, UInt128> _byPhone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UInt128> _byExternalId = new(StringComparer.Ordinal);
    private readonly Dictionary<UInt128, List<StatusHistoryEntry>> _history = [];
    private readonly Dictionary<UInt128, (DateTimeOffset At, long Write)> _changed = [];
    // Writes are numbered in order under the lock, so each has finished before the next number is given.
    private long _writes;

    public Task<Citizen?> GetAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byId.GetValueOrDefault(id.Value));
    }

    public Task<Citizen?> FindByPhoneAsync(string phone, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byPhone.TryGetValue(phone, out var id) ? _byId[id] : null);
    }

    public Task<Citizen?> FindByExternalIdAsync(string externalId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byExternalId.TryGetValue(externalId, out var id) ? _byId[id] : null);
    }

    public Task<IReadOnlyList<UpsertResult>> UpsertManyAsync(IReadOnlyList<CitizenDraft> drafts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Check every row first so a failing call keeps nothing, as the database's transaction does.
            var phones = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var d in drafts)
            {
                var externalId = d.ExternalId ?? throw new ArgumentException("Every draft needs an external id.", nameof(drafts));
                var owner = _byPhone.TryGetValue(d.Phone, out var holder) ? _byId[holder].ExternalId : null;
                if ((owner is not null && owner != externalId) || (phones.TryGetValue(d.Phone, out var other) && other != externalId))
                {
                    throw new DuplicatePhoneException(externalId);
                }
                phones[d.Phone] = externalId;
            }

            var results = new List<UpsertResult>(drafts.Count);
            foreach (var d in drafts)
            {
                if (_byExternalId.TryGetValue(d.ExternalId!, out var id))
                {
                    var existing = _byId[id];
                    if (existing.Phone == d.Phone && existing.FullName == d.FullName && existing.Credentials == d.Credentials && existing.BirthYear == d.BirthYear)
                    {
                        results.Add(new UpsertResult(existing, UpsertOutcome.Unchanged));
                        continue;
                    }
                    var updated = existing with { Phone = d.Phone, FullName = d.FullName, Credentials = d.Credentials, BirthYear = d.BirthYear };
                    _byPhone.Remove(existing.Phone);
                    Put(updated);
                    results.Add(new UpsertResult(updated, UpsertOutcome.Updated));
                }
                else
                {
                    var created = new Citizen(CitizenPseudonym.NewRandom(), d.ExternalId, d.Phone, d.FullName, CitizenStatus.Initial(now), d.Credentials, now, d.BirthYear);
                    Put(created);
                    _history[created.Id.Value] = [StatusHistoryEntry.Initial(created.Status)];
                    results.Add(new UpsertResult(created, UpsertOutcome.Created));
                }
            }
            return Task.FromResult<IReadOnlyList<UpsertResult>>(results);
        }
    }

    public Task<StatusChangeResult?> ChangeStatusAsync(StatusChange change, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(change.CitizenId.Value, out var citizen) || citizen.Status.Version != change.ExpectedVersion)
            {
                return Task.FromResult<StatusChangeResult?>(null);
            }
            var previous = citizen.Status;
            var updated = citizen with { Status = previous.ChangeTo(change.Colour, change.Reason, change.At) };
            var entry = audit.AppendLocked(StatusAudit.Draft(change, previous, updated.Status));
            Put(updated);
            _history[citizen.Id.Value].Add(StatusHistoryEntry.Of(change, updated.Status));
            return Task.FromResult<StatusChangeResult?>(new StatusChangeResult(updated, previous, entry));
        }
    }

    public Task<IReadOnlyList<StatusHistoryEntry>> GetStatusHistoryAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<StatusHistoryEntry>>(_history.TryGetValue(id.Value, out var list) ? [.. list] : []);
    }

    public Task<IReadOnlyList<Citizen>> ListAsync(CitizenPseudonym? afterId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IEnumerable<Citizen> all = _byId.Values;
            if (afterId is { } after) all = all.Where(c => c.Id.Value > after.Value);
            return Task.FromResult<IReadOnlyList<Citizen>>(all.Take(limit).ToList());
        }
    }

    public Task<IReadOnlyList<CitizenChange>> ListChangedAsync(DateTimeOffset since, long? writtenFrom, CitizenChange? after, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var changes = _byId.Values.Where(c => writtenFrom is not { } from || _changed[c.Id.Value].Write >= from)
                .Select(c => new CitizenChange(c, _changed[c.Id.Value].At))
                .Where(c => after is null ? c.ChangedAt >= since : (c.ChangedAt, c.Citizen.Id.Value).CompareTo((after.ChangedAt, after.Citizen.Id.Value)) > 0)
                .OrderBy(c => c.ChangedAt).ThenBy(c => c.Citizen.Id.Value);
            return Task.FromResult<IReadOnlyList<CitizenChange>>([.. changes.Take(limit)]);
        }
    }

    public Task<long> ReadWriteHorizonAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_writes + 1);
    }

    public Task<long> CountAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult((long)_byId.Count);
    }

    public Task<IReadOnlyList<ColourCount>> ColourMixAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = _byId.Values.CountBy(c => c.Status.Colour).ToDictionary();
            var into = new Dictionary<StatusColour, long>();
            var outOf = new Dictionary<StatusColour, long>();
            foreach (var history in _history.Values)
            {
                for (var i = 0; i < history.Count; i++)
                {
                    if (history[i].Since < since) continue;
                    into[history[i].Colour] = into.GetValueOrDefault(history[i].Colour) + 1;
                    if (i > 0) outOf[history[i - 1].Colour] = outOf.GetValueOrDefault(history[i - 1].Colour) + 1;
                }
            }
            return Task.FromResult<IReadOnlyList<ColourCount>>([.. Enum.GetValues<StatusColour>()
                .Select(c => new ColourCount(c, now.GetValueOrDefault(c), into.GetValueOrDefault(c), outOf.GetValueOrDefault(c)))]);
        }
    }

    public Task<IReadOnlyList<Booking>> ListBookingsAsync(CitizenPseudonym citizenId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Booking>>(venues.BookingsOf(citizenId));

    public Task<bool> AddBookingAsync(Booking booking, CancellationToken cancellationToken) => Task.FromResult(venues.AddBooking(booking));

    public Task<bool> RemoveBookingAsync(Guid venueId, CitizenPseudonym citizenId, CancellationToken cancellationToken) =>
        Task.FromResult(venues.RemoveBooking(venueId, citizenId));

    private void Put(Citizen c)
    {
        _byId[c.Id.Value] = c;
        _changed[c.Id.Value] = (DateTimeOffset.UtcNow, ++_writes);
        _byPhone[c.Phone] = c.Id.Value;
        if (c.ExternalId is not null) _byExternalId[c.ExternalId] = c.Id.Value;
    }
}
