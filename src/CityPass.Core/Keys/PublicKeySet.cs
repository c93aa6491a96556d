using System.Collections.Frozen;

namespace CityPass.Core.Keys;

/// <summary>
/// An issuer's public keys: what it publishes at /.well-known/citypass/keys.json and what other
/// cities and offline gates hold to verify its passes.
/// </summary>
public sealed class PublicKeySet
{
    private readonly FrozenDictionary<ushort, PublicKeyEntry> _byId;

    public PublicKeySet(IssuerId issuer, IEnumerable<PublicKeyEntry> keys)
    {
        Issuer = issuer;
        Keys = keys.OrderBy(k => k.Id).ToArray();
        _byId = Keys.ToFrozenDictionary(k => k.Id);
        if (_byId.Count != Keys.Count) throw new ArgumentException("Key ids must be unique within a key set.", nameof(keys));
    }

    public IssuerId Issuer { get; }

    public IReadOnlyList<PublicKeyEntry> Keys { get; }

    public PublicKeyEntry? Find(ushort keyId) => _byId.GetValueOrDefault(keyId);

    /// <summary>
    /// When trust in these keys ends, whatever each key's own window says: a federated city's signed document
    /// expiry plus the grace period. Null for this city's own keys and for key sets pinned in configuration.
    /// </summary>
    public DateTimeOffset? TrustedUntil { get; private init; }

    /// <summary>The same keys, trusted until <paramref name="until"/>.</summary>
    public PublicKeySet TrustedUntilAt(DateTimeOffset? until) => new(Issuer, Keys) { TrustedUntil = until };

    public string ToJson() => KeySetJson.Write(this);

    public static PublicKeySet FromJson(string json) => KeySetJson.ReadPublic(json);
}
