using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Federation;

/// <summary>One trusted city as this server trusts it right now.</summary>
public sealed record TrustedCityState(TrustedCity City, TrustState State, DateTimeOffset? TrustedUntil);

/// <summary>
/// The trust the pass verifier reads: this city's own keys (the set in use now) and the key sets pinned in
/// configuration (Keys:TrustedKeySetFiles), plus the last good signed document of every trusted city, each trusted
/// until its expiry plus the grace period. <see cref="ReloadAsync"/> reads the trusted-city store; a change of this
/// city's own keys is picked up at the next read. A new store is swapped in; a verification in flight keeps the one it read.
/// </summary>
public sealed class FederatedTrust(KeyMaterial keys, IIssuerKeySource own, ITrustedCityStore store, IOptions<FederationOptions> options, TimeProvider clock, ILogger<FederatedTrust> logger)
    : ITrustSource
{
    private volatile Built _built = new(Build(keys.PinnedKeySets, own.Current.PublicKeys), own.Current.PublicKeys, keys.PinnedKeySets);
    private volatile IReadOnlyList<(TrustedCity City, DateTimeOffset? TrustedUntil)> _cities = [];

    public TrustStore Current
    {
        get
        {
            var built = _built;
            var ownKeys = own.Current.PublicKeys;
            if (ReferenceEquals(built.Own, ownKeys)) return built.Store;
            // This city's keys changed: the same other cities with the new own set. Two readers racing build equal stores.
            var rebuilt = new Built(Build(built.Others, ownKeys), ownKeys, built.Others);
            _built = rebuilt;
            return rebuilt.Store;
        }
    }

    /// <summary>The trusted cities as of the last reload, each in its state now (states age with the clock: see <see cref="StateOf"/>).</summary>
    public IReadOnlyList<TrustedCityState> Cities
    {
        get
        {
            var now = clock.GetUtcNow();
            return _cities.Select(c => new TrustedCityState(c.City, StateOf(c.City, now), c.TrustedUntil)).ToList();
        }
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var cities = await store.ListAsync(cancellationToken);
        var held = new List<(TrustedCity, DateTimeOffset?)>(cities.Count);
        var signed = new List<PublicKeySet>();
        foreach (var city in cities)
        {
            // The stored document verified before it was stored; it is verified again here so a row changed in the
            // database by hand cannot add keys the city never signed.
            var keySet = Verify(city);
            var until = city.DocumentExpiresAt + options.Value.Grace;
            if (keySet is not null) signed.Add(keySet.TrustedUntilAt(until));
            held.Add((city, keySet is null ? null : until));
        }
        // A signed document replaces a key set of the same issuer pinned in configuration (the way off those files).
        var issuers = signed.Select(k => k.Issuer).ToHashSet();
        var others = keys.PinnedKeySets.Where(k => !issuers.Contains(k.Issuer)).Concat(signed.Where(k => k.Issuer != keys.Issuer)).ToList();
        var ownKeys = own.Current.PublicKeys;
        _built = new Built(Build(others, ownKeys), ownKeys, others);
        _cities = held;
    }

    private static TrustStore Build(IEnumerable<PublicKeySet> others, PublicKeySet ownKeys) => new(others.Append(ownKeys));

    /// <summary>A trust store with what it was built from: this city's public keys, and every other city's.</summary>
    private sealed record Built(TrustStore Store, PublicKeySet Own, IReadOnlyList<PublicKeySet> Others);

    /// <summary>What a city's document and last refresh say at <paramref name="now"/>.</summary>
    public TrustState StateOf(TrustedCity city, DateTimeOffset now) => city.DocumentExpiresAt switch
    {
        null => TrustState.Pending,
        { } expires when now >= expires + options.Value.Grace => TrustState.Expired,
        { } expires when now >= expires => TrustState.Stale,
        _ => city.LastError is null ? TrustState.Fresh : TrustState.Failing,
    };

    private PublicKeySet? Verify(TrustedCity city)
    {
        if (city.Document is null || !IssuerId.TryParse(city.Issuer, out var issuer)) return null;
        try
        {
            var pinned = FederationKey.ImportPublic(city.FederationSuite, city.FederationPublicKey);
            var failure = SignedKeySet.TryVerify(city.Document, pinned, issuer, out var document);
            if (failure == KeySetDocumentFailure.None) return document!.Keys;
            logger.LogError("The stored key-set document of trusted city {Issuer} does not verify ({Code}): it is not trusted", city.Issuer, failure.ToCode());
        }
        catch (FormatException)
        {
            logger.LogError("The pinned federation key of trusted city {Issuer} does not parse: it is not trusted", city.Issuer);
        }
        return null;
    }
}
