using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

public sealed class PassIssuerOptions
{
    /// <summary>How long a pass is valid. Short, so a photographed pass is soon worthless.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    public void Validate()
    {
        if (Lifetime < TimeSpan.FromSeconds(5) || Lifetime > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Lifetime), Lifetime, "A pass lifetime is between 5 seconds and 1 hour.");
        }
    }
}

/// <summary>Issues passes: (citizen state, the city's key set, clock) -> token text.</summary>
public sealed class PassIssuer
{
    private readonly IIssuerKeySource _keys;
    private readonly TimeProvider _clock;
    private readonly ushort _lifetimeSeconds;

    public PassIssuer(IIssuerKeySource keys, TimeProvider clock, PassIssuerOptions? options = null)
    {
        options ??= new PassIssuerOptions();
        options.Validate();
        _keys = keys;
        _clock = clock;
        _lifetimeSeconds = (ushort)options.Lifetime.TotalSeconds;
    }

    public IssuedPass Issue(CitizenPassState citizen) => Issue(citizen, TokenId.NewRandom(), _clock.GetUtcNow());

    /// <summary>Issue with a given token id and time: for test vectors, which must be reproducible.</summary>
    internal IssuedPass Issue(CitizenPassState citizen, TokenId tokenId, DateTimeOffset now)
    {
        var keys = _keys.Current;
        var signing = keys.ActiveSigningKey(now) ?? throw new InvalidOperationException($"Issuer {keys.Issuer} has no signing key active at {now:O}.");
        var secret = keys.ActiveSecret(now) ?? throw new InvalidOperationException($"Issuer {keys.Issuer} has no secret active at {now:O}.");
        var issuedAt = checked((uint)now.ToUnixTimeSeconds());
        var fields = new PassFields(
            signing.Key.Suite,
            keys.Issuer,
            signing.Id,
            secret.Id,
            issuedAt,
            _lifetimeSeconds,
            citizen.Colour,
            citizen.StatusVersion,
            citizen.Credentials,
            tokenId,
            citizen.Pseudonym.Value ^ PassCrypto.Keystream(secret.PseudonymKey, tokenId));

        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        PassTokenFormat.PrefixBytes.CopyTo(buffer);
        PassTokenFormat.WriteBody(buffer.Slice(PassTokenFormat.BodyStart, PassTokenFormat.BodyLength), fields);
        signing.Key.Sign(buffer[..PassTokenFormat.SignedLength], buffer.Slice(PassTokenFormat.SignedLength, PassTokenFormat.SignatureLength));
        PassCrypto.ComputeTag(secret.MacKey, buffer[..PassTokenFormat.TaggedLength], buffer[PassTokenFormat.TaggedLength..]);

        var text = PassTokenFormat.Prefix + Base45.Encode(buffer[PassTokenFormat.BodyStart..]);
        return new IssuedPass(text, tokenId, fields.IssuedAt, fields.ExpiresAt);
    }
}
