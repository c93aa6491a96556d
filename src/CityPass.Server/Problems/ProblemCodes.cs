namespace CityPass.Server.Problems;

/// <summary>The stable machine codes of errors the API returns (ProblemDetails "code"). Clients branch on these, never on text.</summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedJson = "malformed_json";
    public const string BodyRequired = "body_required";
    public const string BodyTooLarge = "body_too_large";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    /// <summary>A citizen's status kept changing under the change being made (another writer): nothing was changed; read it and try again.</summary>
    public const string StatusVersionConflict = "status_version_conflict";
    public const string Unauthorized = "unauthorized";
    public const string TokenMissing = "token_missing";
    public const string TokenExpired = "token_expired";
    public const string TokenInvalid = "token_invalid";
    /// <summary>A staff token of an account deleted or changed since it was issued: sign in again.</summary>
    public const string TokenRevoked = "token_revoked";
    public const string Forbidden = "forbidden";
    public const string RateLimited = "rate_limited";
    public const string GateCredentialInvalid = "gate_credential_invalid";
    public const string GateCredentialRevoked = "gate_credential_revoked";
    public const string InvalidCredentials = "invalid_credentials";
    /// <summary>The right password for an account a city admin disabled (a wrong one is invalid_credentials, as for anyone).</summary>
    public const string AccountDisabled = "account_disabled";
    public const string OtpInvalid = "otp_invalid";
    public const string OtpMissing = "otp_missing";
    public const string OtpTooManyAttempts = "otp_too_many_attempts";
    public const string OtpLocked = "otp_locked";
    public const string SmsUnavailable = "sms_unavailable";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string Internal = "internal_error";
    public const string Unavailable = "service_unavailable";
    /// <summary>The replica holding the citizen's grain is gone and the cluster has not moved it yet (seconds): retry after Retry-After.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";
    /// <summary>A store (Redis or PostgreSQL) did not answer within the request's budget: nothing was done; retry after Retry-After.</summary>
    public const string StoreUnavailable = "store_unavailable";
}
