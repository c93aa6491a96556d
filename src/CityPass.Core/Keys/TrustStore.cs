using System.Collections.Frozen;

namespace CityPass.Core.Keys;

/// <summary>The public key sets of every issuer whose passes this verifier accepts, this city's own included.</summary>
public sealed class TrustStore : ITrustSource
{
    private readonly FrozenDictionary<IssuerId, PublicKeySet> _byIssuer;

    public TrustStore(IEnumerable<PublicKeySet> keySets)
    {
        var list = keySets.ToList();
        _byIssuer = list.ToFrozenDictionary(k => k.Issuer);
        if (_byIssuer.Count != list.Count) throw new ArgumentException("One key set per issuer.", nameof(keySets));
    }

    public IEnumerable<PublicKeySet> KeySets => _byIssuer.Values;

    /// <summary>A fixed trust store is its own source.</summary>
    public TrustStore Current => this;

    public PublicKeySet? Find(IssuerId issuer) => _byIssuer.GetValueOrDefault(issuer);

    /// <summary>The same trust with one issuer's key set replaced or added (e.g. after it published a rotation).</summary>
    public TrustStore With(PublicKeySet keySet) => new(_byIssuer.Values.Where(k => k.Issuer != keySet.Issuer).Append(keySet));
}
