using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

public sealed class PassVerifierOptions
{
    /// <summary>How far the verifier's clock may disagree with the issuer's. Small and explicit.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest life a pass may claim; a longer one is refused even if properly signed.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public void Validate()
    {
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(ClockSkew), ClockSkew, "Clock skew is between 0 and 5 minutes.");
        }
        if (MaxLifetime <= TimeSpan.Zero || MaxLifetime > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLifetime), MaxLifetime, "The maximum lifetime is between 1 second and 1 hour.");
        }
    }
}

/// <summary>
/// Verifies passes: (text, trusted key sets, clock) -> claims, or a failure with a stable code.
/// Bad input never throws. Passes of this city are checked by their MAC tag (with the city's own
/// secrets, about a microsecond); passes of other cities by their public-key signature.
/// </summary>
public sealed class PassVerifier
{
    private readonly ITrustSource _trust;
    private readonly IIssuerKeySource? _own;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _skew;
    private readonly uint _maxLifetimeSeconds;

    /// <param name="trust">Read at each verification, so a refreshed set of other cities' keys counts at once.</param>
    public PassVerifier(ITrustSource trust, TimeProvider clock, PassVerifierOptions? options = null, IIssuerKeySource? ownKeys = null)
    {
        options ??= new PassVerifierOptions();
        options.Validate();
        _own = ownKeys;
        _trust = trust;
        _clock = clock;
        _skew = options.ClockSkew;
        _maxLifetimeSeconds = (uint)options.MaxLifetime.TotalSeconds;
    }

    /// <summary>By MAC if the pass is this city's own (and its secrets are loaded), else by signature.</summary>
    public PassVerification Verify(ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeFields(text, buffer, out var fields);
        if (failure != TokenFailure.None) return PassVerification.Fail(failure);
        return _own?.Current is { } own && fields.Issuer == own.Issuer
            ? CheckMac(buffer, fields, own)
            : CheckSignature(buffer, fields);
    }

    /// <summary>
    /// As <see cref="Verify(ReadOnlySpan{char})"/>, but the pass's own validity window (issued-at, expiry) is judged at
    /// <paramref name="at"/>: for a scan made in the past (a gate's offline journal). Everything else is judged now: a key
    /// revoked since, an unknown issuer, a trusted city's expired trust refuse the pass whenever it was scanned.
    /// </summary>
    public PassVerification Verify(ReadOnlySpan<char> text, DateTimeOffset at)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeFields(text, buffer, out var fields);
        if (failure != TokenFailure.None) return PassVerification.Fail(failure);
        return _own?.Current is { } own && fields.Issuer == own.Issuer
            ? CheckMac(buffer, fields, own, at)
            : CheckSignature(buffer, fields, at);
    }

    /// <summary>
    /// The clear fields of a pass that decodes, nothing verified: anyone can write any value into them. For recording a
    /// refused pass (what it claimed to be), never for decisions. Fails only as decoding fails (malformed, too large...).
    /// </summary>
    public static TokenFailure ReadUnverified(ReadOnlySpan<char> text, out UnverifiedPass pass)
    {
        var failure = DecodeUnverified(text, out var fields);
        pass = failure == TokenFailure.None ? new UnverifiedPass(fields.Issuer, fields.TokenId, fields.Colour, fields.IssuedAt, fields.ExpiresAt) : default;
        return failure;
    }

    /// <summary>The offline check any verifier can make with public keys alone.</summary>
    public PassVerification VerifySignature(ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeFields(text, buffer, out var fields);
        return failure != TokenFailure.None ? PassVerification.Fail(failure) : CheckSignature(buffer, fields);
    }

    /// <summary>The issuer's own check by MAC tag; foreign passes answer unknown_issuer.</summary>
    public PassVerification VerifyMac(ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeFields(text, buffer, out var fields);
        if (failure != TokenFailure.None) return PassVerification.Fail(failure);
        return _own?.Current is { } own && fields.Issuer == own.Issuer
            ? CheckMac(buffer, fields, own)
            : PassVerification.Fail(TokenFailure.UnknownIssuer);
    }

    /// <summary>Decoding alone, nothing verified: for tools and benchmarks, never for decisions.</summary>
    internal static TokenFailure DecodeUnverified(ReadOnlySpan<char> text, out PassFields fields)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        return DecodeFields(text, buffer, out fields);
    }

    private static TokenFailure DecodeFields(ReadOnlySpan<char> text, Span<byte> buffer, out PassFields fields)
    {
        fields = default;
        var failure = PassTokenFormat.Decode(text, buffer);
        return failure != TokenFailure.None
            ? failure
            : PassTokenFormat.ReadBody(buffer.Slice(PassTokenFormat.BodyStart, PassTokenFormat.BodyLength), out fields);
    }

    // validAt: the moment the pass's validity window is judged at; null for now (the live path reads the clock only then).
    private PassVerification CheckSignature(ReadOnlySpan<byte> buffer, in PassFields fields, DateTimeOffset? validAt = null)
    {
        var keySet = _trust.Current.Find(fields.Issuer) ?? (_own?.Current is { } own && fields.Issuer == own.Issuer ? own.PublicKeys : null);
        if (keySet is null) return PassVerification.Fail(TokenFailure.UnknownIssuer);
        var entry = keySet.Find(fields.KeyId);
        if (entry is null) return PassVerification.Fail(TokenFailure.UnknownKey);
        if (entry.Validity.Revoked) return PassVerification.Fail(TokenFailure.KeyRevoked);
        if (entry.Key.Suite != fields.Suite
            || !entry.Key.Verify(buffer[..PassTokenFormat.SignedLength], buffer.Slice(PassTokenFormat.SignedLength, PassTokenFormat.SignatureLength)))
        {
            return PassVerification.Fail(TokenFailure.SignatureInvalid);
        }
        if (!entry.Validity.CoversIssueTime(fields.IssuedAt, _skew)) return PassVerification.Fail(TokenFailure.KeyNotValidAtIssue);
        if (keySet.TrustedUntil is { } until && _clock.GetUtcNow() >= until) return PassVerification.Fail(TokenFailure.IssuerTrustExpired);
        return CheckTime(fields, pseudonym: null, validAt);
    }

    private PassVerification CheckMac(ReadOnlySpan<byte> buffer, in PassFields fields, IssuerKeySet own, DateTimeOffset? validAt = null)
    {
        var secret = own.FindSecret(fields.SecretId);
        var signing = own.FindSigningKey(fields.KeyId);
        if (secret is null || signing is null) return PassVerification.Fail(TokenFailure.UnknownKey);
        if (secret.Validity.Revoked || signing.Validity.Revoked) return PassVerification.Fail(TokenFailure.KeyRevoked);
        if (signing.Key.Suite != fields.Suite
            || !PassCrypto.TagMatches(secret.MacKey, buffer[..PassTokenFormat.TaggedLength], buffer.Slice(PassTokenFormat.TaggedLength, PassTokenFormat.TagLength)))
        {
            return PassVerification.Fail(TokenFailure.MacInvalid);
        }
        if (!secret.Validity.CoversIssueTime(fields.IssuedAt, _skew) || !signing.Validity.CoversIssueTime(fields.IssuedAt, _skew))
        {
            return PassVerification.Fail(TokenFailure.KeyNotValidAtIssue);
        }
        var pseudonym = new CitizenPseudonym(fields.EncryptedPseudonym ^ PassCrypto.Keystream(secret.PseudonymKey, fields.TokenId));
        return CheckTime(fields, pseudonym, validAt);
    }

    // Time is judged only after the pass is authentic, so a forged pass learns nothing from the answer.
    private PassVerification CheckTime(in PassFields fields, CitizenPseudonym? pseudonym, DateTimeOffset? validAt)
    {
        if (fields.LifetimeSeconds > _maxLifetimeSeconds) return PassVerification.Fail(TokenFailure.LifetimeTooLong);
        var now = validAt ?? _clock.GetUtcNow();
        if (now < fields.IssuedAt - _skew) return PassVerification.Fail(TokenFailure.NotYetValid);
        if (now >= fields.ExpiresAt + _skew) return PassVerification.Fail(TokenFailure.Expired);
        return new PassVerification(TokenFailure.None, new PassClaims(
            fields.Issuer, fields.Suite, fields.KeyId, fields.SecretId, fields.IssuedAt, fields.ExpiresAt,
            fields.Colour, fields.StatusVersion, fields.Credentials, fields.TokenId, pseudonym));
    }
}
