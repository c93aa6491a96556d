namespace CityPass.Core.Tokens;

/// <summary>Why a pass was not accepted. Gates branch on <see cref="TokenFailureExtensions.ToCode"/>, never on text.</summary>
public enum TokenFailure
{
    None = 0,
    /// <summary>Not a pass: wrong shape, characters or length.</summary>
    Malformed,
    /// <summary>A pass of a format version this verifier does not know (e.g. CP2:).</summary>
    UnsupportedVersion,
    /// <summary>Longer than any pass can be; rejected before it is read.</summary>
    TooLarge,
    /// <summary>A signature suite this verifier does not know.</summary>
    UnsupportedSuite,
    /// <summary>No trusted key set for the issuing city.</summary>
    UnknownIssuer,
    /// <summary>The issuer is trusted but has no key with this id (or no secret with this id).</summary>
    UnknownKey,
    /// <summary>The key was revoked: its passes stop at once.</summary>
    KeyRevoked,
    /// <summary>The pass claims an issue time outside the key's activation..retirement window.</summary>
    KeyNotValidAtIssue,
    /// <summary>The public-key signature does not verify.</summary>
    SignatureInvalid,
    /// <summary>The issuer's MAC tag does not verify.</summary>
    MacInvalid,
    /// <summary>Past its expiry, beyond the allowed clock skew.</summary>
    Expired,
    /// <summary>Issued in the future, beyond the allowed clock skew.</summary>
    NotYetValid,
    /// <summary>The pass claims a longer life than this verifier allows.</summary>
    LifetimeTooLong,
    /// <summary>
    /// The issuer is a federated city whose signed key-set document expired (plus the grace period) without a newer
    /// one: its keys may have been revoked since, so none of its passes is accepted until a fresh document arrives.
    /// </summary>
    IssuerTrustExpired,
}

public static class TokenFailureExtensions
{
    /// <summary>The stable machine code, as in ProblemDetails "code" and in docs/pass-token.md.</summary>
    public static string ToCode(this TokenFailure failure) => failure switch
    {
        TokenFailure.None => "ok",
        TokenFailure.Malformed => "malformed",
        TokenFailure.UnsupportedVersion => "unsupported_version",
        TokenFailure.TooLarge => "too_large",
        TokenFailure.UnsupportedSuite => "unsupported_suite",
        TokenFailure.UnknownIssuer => "unknown_issuer",
        TokenFailure.UnknownKey => "unknown_key",
        TokenFailure.KeyRevoked => "key_revoked",
        TokenFailure.KeyNotValidAtIssue => "key_not_valid_at_issue",
        TokenFailure.SignatureInvalid => "signature_invalid",
        TokenFailure.MacInvalid => "mac_invalid",
        TokenFailure.Expired => "expired",
        TokenFailure.NotYetValid => "not_yet_valid",
        TokenFailure.LifetimeTooLong => "lifetime_too_long",
        TokenFailure.IssuerTrustExpired => "issuer_trust_expired",
    };
}
