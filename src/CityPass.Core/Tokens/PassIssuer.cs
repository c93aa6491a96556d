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

    /// <summary>Issues a v2 pass: nothing in it that anyone but this city can read links it to the citizen's other passes.</summary>
    public IssuedPass Issue(CitizenPassState citizen) => Issue(citizen, TokenId.NewRandom(), _clock.GetUtcNow());

    /// <summary>
    /// Issue with a given token id and time: for test vectors, which must be reproducible. v1 only for the vectors
    /// and tests of the transition; the service never issues it.
    /// </summary>
    internal IssuedPass Issue(CitizenPassState citizen, TokenId tokenId, DateTimeOffset now, PassFormat format = PassFormat.V2)
    {
        var keys = _keys.Current;
        var signing = keys.ActiveSigningKey(now) ?? throw new InvalidOperationException($"Issuer {keys.Issuer} has no signing key active at {now:O}.");
        var secret = keys.ActiveSecret(now) ?? throw new InvalidOperationException($"Issuer {keys.Issuer} has no secret active at {now:O}.");
        var issuedAt = checked((uint)now.ToUnixTimeSeconds());
        var fields = new PassFields(format, signing.Key.Suite, keys.Issuer, signing.Id, secret.Id, issuedAt, _lifetimeSeconds, citizen.Colour, tokenId,
            StatusVersion: null, Credentials: null);

        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        switch (format)
        {
            case PassFormat.V1: PassTokenV1.Write(buffer, fields, citizen, signing.Key, secret); break;
            case PassFormat.V2: PassTokenV2.Write(buffer, fields, citizen, signing.Key, secret); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
        Span<char> text = stackalloc char[PassTokenFormat.TextLength];
        for (var i = 0; i < PassTokenFormat.PrefixLength; i++) text[i] = (char)buffer[i];
        Base45.Encode(buffer[PassTokenFormat.PayloadStart..], text[PassTokenFormat.PrefixLength..]);
        return new IssuedPass(new string(text), tokenId, fields.IssuedAt, fields.ExpiresAt);
    }
}
