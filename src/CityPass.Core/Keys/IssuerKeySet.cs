using System.Collections.Frozen;

namespace CityPass.Core.Keys;

/// <summary>
/// Everything the issuing city holds: its signing keys and its secrets, each with an id and a
/// validity window so keys can rotate. Only the city's own servers ever load this.
/// </summary>
public sealed class IssuerKeySet : IIssuerKeySource
{
    private readonly FrozenDictionary<ushort, SigningKeyEntry> _signingById;
    private readonly FrozenDictionary<byte, IssuerSecret> _secretsById;

    public IssuerKeySet(IssuerId issuer, IEnumerable<SigningKeyEntry> signingKeys, IEnumerable<IssuerSecret> secrets)
    {
        Issuer = issuer;
        SigningKeys = signingKeys.OrderBy(k => k.Id).ToArray();
        Secrets = secrets.OrderBy(s => s.Id).ToArray();
        _signingById = SigningKeys.ToFrozenDictionary(k => k.Id);
        _secretsById = Secrets.ToFrozenDictionary(s => s.Id);
        if (_signingById.Count != SigningKeys.Count) throw new ArgumentException("Signing key ids must be unique.", nameof(signingKeys));
        if (_secretsById.Count != Secrets.Count) throw new ArgumentException("Secret ids must be unique.", nameof(secrets));
        PublicKeys = new PublicKeySet(issuer, SigningKeys.Select(k => k.ToPublic()));
    }

    public IssuerId Issuer { get; }

    IssuerKeySet IIssuerKeySource.Current => this;

    public IReadOnlyList<SigningKeyEntry> SigningKeys { get; }

    public IReadOnlyList<IssuerSecret> Secrets { get; }

    /// <summary>The public half, to publish.</summary>
    public PublicKeySet PublicKeys { get; }

    /// <summary>A new set with one ES256 or SM2 key and one secret, active from <paramref name="now"/>.</summary>
    public static IssuerKeySet Generate(IssuerId issuer, SignatureSuite suite, DateTimeOffset now) =>
        new(issuer, [new SigningKeyEntry(1, new KeyValidity(now), SigningKey.Generate(suite))], [IssuerSecret.Generate(1, new KeyValidity(now))]);

    public SigningKeyEntry? FindSigningKey(ushort id) => _signingById.GetValueOrDefault(id);

    public IssuerSecret? FindSecret(byte id) => _secretsById.GetValueOrDefault(id);

    /// <summary>The key that signs now: the most recently activated one that is active.</summary>
    public SigningKeyEntry? ActiveSigningKey(DateTimeOffset now) =>
        SigningKeys.Where(k => k.Validity.IsActiveAt(now)).MaxBy(k => k.Validity.ActivatesAt);

    /// <summary>The secret that tags and encrypts now: the most recently activated one that is active.</summary>
    public IssuerSecret? ActiveSecret(DateTimeOffset now) =>
        Secrets.Where(s => s.Validity.IsActiveAt(now)).MaxBy(s => s.Validity.ActivatesAt);

    /// <summary>
    /// Rotation: a new signing key and a new secret become active at <paramref name="activatesAt"/>
    /// and the ones active then retire at that moment. Publish the result before it activates so
    /// verifiers know the new key by the time the first pass carries it; retired keys keep
    /// verifying until their last passes expire.
    /// </summary>
    public IssuerKeySet Rotate(SignatureSuite suite, DateTimeOffset activatesAt)
    {
        var current = ActiveSigningKey(activatesAt);
        var currentSecret = ActiveSecret(activatesAt);
        var keyId = checked((ushort)(SigningKeys.Count == 0 ? 1 : SigningKeys.Max(k => k.Id) + 1));
        var secretId = checked((byte)(Secrets.Count == 0 ? 1 : Secrets.Max(s => s.Id) + 1));
        var keys = SigningKeys
            .Select(k => k == current ? k with { Validity = k.Validity with { RetiresAt = activatesAt } } : k)
            .Append(new SigningKeyEntry(keyId, new KeyValidity(activatesAt), SigningKey.Generate(suite)));
        var secrets = Secrets
            .Select(s => s == currentSecret ? s.WithValidity(s.Validity with { RetiresAt = activatesAt }) : s)
            .Append(IssuerSecret.Generate(secretId, new KeyValidity(activatesAt)));
        return new IssuerKeySet(Issuer, keys, secrets);
    }

    /// <summary>Revokes a signing key: every pass it signed fails at once, wherever it is verified with the new set.</summary>
    public IssuerKeySet RevokeSigningKey(ushort id) => new(
        Issuer,
        SigningKeys.Select(k => k.Id == id ? k with { Validity = k.Validity with { Revoked = true } } : k),
        Secrets);

    /// <summary>Revokes a secret: every pass it tagged fails at once in the issuer's own API.</summary>
    public IssuerKeySet RevokeSecret(byte id) => new(
        Issuer,
        SigningKeys,
        Secrets.Select(s => s.Id == id ? s.WithValidity(s.Validity with { Revoked = true }) : s));

    /// <summary>The private key file (JSON). It holds secrets: store it like a password.</summary>
    public string ToPrivateJson() => KeySetJson.WritePrivate(this);

    public static IssuerKeySet FromPrivateJson(string json) => KeySetJson.ReadPrivate(json);
}
