using CityPass.Core.Citizens;
using CityPass.Server.Identify;

namespace CityPass.Server.Stores.Embedded;

/// <summary>Consents, their history and the disclosure log in memory, for the embedded default; one lock, so a consent and its history entry change together.</summary>
public sealed class EmbeddedIdentityStore : IIdentityStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(CitizenPseudonym, string), Consent> _consents = [];
    private readonly List<ConsentChange> _history = [];
    private readonly List<Disclosure> _disclosures = [];

    public Task<Consent?> GetConsentAsync(CitizenPseudonym citizen, string venueKind, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_consents.GetValueOrDefault((citizen, venueKind)));
    }

    public Task<IReadOnlyList<Consent>> ConsentsOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Consent>>([.. _consents.Values.Where(c => c.CitizenId == citizen).OrderBy(c => c.VenueKind, StringComparer.Ordinal)]);
        }
    }

    public Task<bool> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var key = (change.CitizenId, change.VenueKind);
            var current = _consents.GetValueOrDefault(key);
            if (current?.Claims == change.Claims) return Task.FromResult(false);
            if (change.Claims is { } claims) _consents[key] = new Consent(change.CitizenId, change.VenueKind, claims, change.At);
            else _consents.Remove(key);
            _history.Add(change);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<ConsentChange>> ConsentHistoryAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ConsentChange>>([.. Enumerable.Reverse(_history).Where(c => c.CitizenId == citizen).Take(limit)]);
        }
    }

    public Task RecordDisclosureAsync(Disclosure disclosure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(disclosure);
        lock (_lock) _disclosures.Add(disclosure);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Disclosure>> DisclosuresOfAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(Newest(_disclosures.Where(d => d.CitizenId == citizen), limit));
    }

    public Task<IReadOnlyList<Disclosure>> DisclosuresAtAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(Newest(_disclosures.Where(d => d.VenueId == venueId && (from is null || d.At >= from) && (to is null || d.At < to)), limit));
        }
    }

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_disclosures.RemoveAll(d => d.At < before) + _history.RemoveAll(c => c.At < before));
    }

    // Newest first; of equal times the later arrival first, as the database orders by (at, seq).
    private static IReadOnlyList<Disclosure> Newest(IEnumerable<Disclosure> disclosures, int limit) =>
        [.. disclosures.Reverse().OrderByDescending(d => d.At).Take(limit)];
}
