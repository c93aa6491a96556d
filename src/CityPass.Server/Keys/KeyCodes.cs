namespace CityPass.Server.Keys;

/// <summary>Stable codes of a refused key change (ProblemDetails "code").</summary>
public static class KeyCodes
{
    /// <summary>Activate asks for a pending key.</summary>
    public const string NotPending = "key_not_pending";

    /// <summary>Retire asks for an active key; a pending key is withdrawn by revoking it.</summary>
    public const string NotActive = "key_not_active";

    public const string AlreadyRevoked = "key_already_revoked";

    /// <summary>The change would leave a moment with no active signing key or secret: create and activate a replacement first.</summary>
    public const string WouldLeaveGap = "key_set_gap";

    /// <summary>Another change landed first; nothing was changed. Read the key set and try again.</summary>
    public const string Changed = "key_set_changed";

    public const string IdsExhausted = "key_ids_exhausted";
}
