using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Federation;

/// <summary>One trusted city as this server trusts it right now.</summary>
public sealed record TrustedCityState(TrustedCity City, TrustState State, DateTimeOffset? TrustedUntil);

/// <summary>
/// The trust the pass verifier reads: this city's own keys and the key sets pinned in configuration
/// (Keys:TrustedKeySetFiles), plus the last good signed document of every trusted city, each trusted until its
/// expiry plus the grace period. <see cref="ReloadAsync"/> builds a new store from the trusted-city store and swaps it
/// in; a verification in flight keeps the one it read.
/// </summary>
public sealed class FederatedTrust(KeyMaterial keys, ITrustedCityStore store, IOptions<FederationOptions> options, TimeProvider clock, ILogger<FederatedTrust> logger)
    : ITrustSource
{
    private volatile TrustStore _current = keys.Trust;
    private volatile IReadOnlyList<(TrustedCity City, DateTimeOffset? TrustedUntil)> _cities = [];

    public TrustStore Current => _current;

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
        _current = new TrustStore(keys.Trust.KeySets.Where(k => !issuers.Contains(k.Issuer) || k.Issuer == keys.IssuerKeys.Issuer).Concat(signed.Where(k => k.Issuer != keys.IssuerKeys.Issuer)));
        _cities = held;
    }

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
