using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

public sealed class PassVerifierOptions
{
    /// <summary>How far the verifier's clock may disagree with the issuer's. Small and explicit.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest life a pass may claim; a longer one is refused even if properly signed.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The end of the transition from v1 to v2 (issue 19): from this moment a v1 pass (<c>CP1:</c>), whose status version and
    /// credentials travel in clear, is refused with unsupported_version. Until then v1 and v2 are both accepted, so other
    /// cities can move their issuers over. Move it earlier to close the window sooner (a moment in the past closes it now).
    /// </summary>
    public DateTimeOffset AcceptV1Until { get; set; } = DefaultAcceptV1Until;

    /// <summary>The transition window stated in docs/pass-token.md: three months after v2 shipped.</summary>
    public static DateTimeOffset DefaultAcceptV1Until { get; } = new(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);

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
/// Bad input never throws. Passes of this city are checked by their MAC tag (v1) or seal (v2) with the city's own
/// secrets, in microseconds; passes of other cities by their public-key signature. v1 and v2 are both read until
/// <see cref="PassVerifierOptions.AcceptV1Until"/>.
/// </summary>
public sealed class PassVerifier
{
    private readonly ITrustSource _trust;
    private readonly IIssuerKeySource? _own;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _skew;
    private readonly uint _maxLifetimeSeconds;
    private readonly DateTimeOffset _acceptV1Until;

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
        _acceptV1Until = options.AcceptV1Until;
    }

    /// <summary>By MAC if the pass is this city's own (and its secrets are loaded), else by signature.</summary>
    public PassVerification Verify(ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeAccepted(text, buffer, null, out var fields);
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
        var failure = DecodeAccepted(text, buffer, at, out var fields);
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
        var failure = DecodeAccepted(text, buffer, null, out var fields);
        return failure != TokenFailure.None ? PassVerification.Fail(failure) : CheckSignature(buffer, fields);
    }

    /// <summary>The issuer's own check by MAC tag; foreign passes answer unknown_issuer.</summary>
    public PassVerification VerifyMac(ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[PassTokenFormat.BufferLength];
        var failure = DecodeAccepted(text, buffer, null, out var fields);
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
        var failure = PassTokenFormat.Decode(text, buffer, out var format);
        if (failure != TokenFailure.None) return failure;
        var payload = buffer[PassTokenFormat.PayloadStart..];
        return format switch
        {
            PassFormat.V1 => PassTokenV1.Read(payload, out fields),
            PassFormat.V2 => PassTokenV2.Read(payload, out fields),
        };
    }

    // Decoding plus the transition window: a v1 pass is refused from AcceptV1Until on, judged at the moment the
    // pass's validity is (a journal's scan time), so a pass accepted offline before the window closed stays accepted.
    private TokenFailure DecodeAccepted(ReadOnlySpan<char> text, Span<byte> buffer, DateTimeOffset? validAt, out PassFields fields)
    {
        var failure = DecodeFields(text, buffer, out fields);
        if (failure == TokenFailure.None && fields.Format == PassFormat.V1 && (validAt ?? _clock.GetUtcNow()) >= _acceptV1Until)
        {
            return TokenFailure.UnsupportedVersion;
        }
        return failure;
    }

    // validAt: the moment the pass's validity window is judged at; null for now (the live path reads the clock only then).
    private PassVerification CheckSignature(ReadOnlySpan<byte> buffer, in PassFields fields, DateTimeOffset? validAt = null)
    {
        var keySet = _trust.Current.Find(fields.Issuer) ?? (_own?.Current is { } own && fields.Issuer == own.Issuer ? own.PublicKeys : null);
        if (keySet is null) return PassVerification.Fail(TokenFailure.UnknownIssuer);
        var entry = keySet.Find(fields.KeyId);
        if (entry is null) return PassVerification.Fail(TokenFailure.UnknownKey);
        if (entry.Validity.Revoked) return PassVerification.Fail(TokenFailure.KeyRevoked);
        var signed = PassTokenFormat.SignedLength(fields.Format);
        if (entry.Key.Suite != fields.Suite || !entry.Key.Verify(buffer[..signed], buffer.Slice(signed, PassTokenFormat.SignatureLength)))
        {
            return PassVerification.Fail(TokenFailure.SignatureInvalid);
        }
        if (!entry.Validity.CoversIssueTime(fields.IssuedAt, _skew)) return PassVerification.Fail(TokenFailure.KeyNotValidAtIssue);
        if (keySet.TrustedUntil is { } until && _clock.GetUtcNow() >= until) return PassVerification.Fail(TokenFailure.IssuerTrustExpired);
        // What the signature lets anyone read: a v1 pass's clear version and credentials; of a v2 pass, nothing more than the header.
        return CheckTime(fields, fields.StatusVersion, fields.Credentials, pseudonym: null, validAt);
    }

    private PassVerification CheckMac(ReadOnlySpan<byte> buffer, in PassFields fields, IssuerKeySet own, DateTimeOffset? validAt = null)
    {
        var secret = own.FindSecret(fields.SecretId);
        var signing = own.FindSigningKey(fields.KeyId);
        if (secret is null || signing is null) return PassVerification.Fail(TokenFailure.UnknownKey);
        if (secret.Validity.Revoked || signing.Validity.Revoked) return PassVerification.Fail(TokenFailure.KeyRevoked);
        CitizenFacts facts = default;
        var authentic = signing.Key.Suite == fields.Suite && fields.Format switch
        {
            PassFormat.V1 => PassTokenV1.TryOpen(buffer, fields, secret, out facts),
            PassFormat.V2 => PassTokenV2.TryOpen(buffer, fields, secret, out facts),
        };
        if (!authentic) return PassVerification.Fail(TokenFailure.MacInvalid);
        if (!secret.Validity.CoversIssueTime(fields.IssuedAt, _skew) || !signing.Validity.CoversIssueTime(fields.IssuedAt, _skew))
        {
            return PassVerification.Fail(TokenFailure.KeyNotValidAtIssue);
        }
        return CheckTime(fields, facts.StatusVersion, facts.Credentials, facts.Pseudonym, validAt);
    }

    // Time is judged only after the pass is authentic, so a forged pass learns nothing from the answer.
    private PassVerification CheckTime(
        in PassFields fields, uint? statusVersion, Credentials? credentials, CitizenPseudonym? pseudonym, DateTimeOffset? validAt)
    {
        if (fields.LifetimeSeconds > _maxLifetimeSeconds) return PassVerification.Fail(TokenFailure.LifetimeTooLong);
        var now = validAt ?? _clock.GetUtcNow();
        if (now < fields.IssuedAt - _skew) return PassVerification.Fail(TokenFailure.NotYetValid);
        if (now >= fields.ExpiresAt + _skew) return PassVerification.Fail(TokenFailure.Expired);
        return new PassVerification(TokenFailure.None, new PassClaims(
            fields.Issuer, fields.Suite, fields.KeyId, fields.SecretId, fields.IssuedAt, fields.ExpiresAt,
            fields.Colour, statusVersion, credentials, fields.TokenId, pseudonym));
    }
}
