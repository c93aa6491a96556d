namespace CityPass.Core.Keys;

/// <summary>The two kinds of key an issuer holds: the signing key (checked by everyone) and the secret (checked by the city's own API).</summary>
public enum KeyKind
{
    Signing,
    Secret,
}

/// <summary>Where a key is in its life at a moment.</summary>
public enum KeyState
{
    /// <summary>Published, not signing yet: verifiers learn it before the first pass carries it.</summary>
    Pending,

    /// <summary>May sign (the most recently activated active key of its kind does).</summary>
    Active,

    /// <summary>Signs no more; passes issued in its window verify until they expire.</summary>
    Retired,

    /// <summary>Every pass under it fails at once.</summary>
    Revoked,
}

/// <summary>Why a change to a key set was refused.</summary>
public enum KeyChangeFailure
{
    None,
    UnknownKey,

    /// <summary>Activate asks for a pending key.</summary>
    NotPending,

    /// <summary>Retire asks for an active key (a pending one is withdrawn by revoking it).</summary>
    NotActive,
    AlreadyRevoked,

    /// <summary>After the change some moment from now on would have no active signing key or secret: passes could not be issued.</summary>
    WouldLeaveGap,

    /// <summary>No free id for a new key of a kind (255 secrets have been made).</summary>
    IdsExhausted,
}

/// <summary>
/// The steps staff take on a live key set, each checked so the city can always issue passes: create a pair (signing
/// key + secret) that takes over signing at a chosen time, activate a pending pair now, retire a key, revoke a key.
/// A key taken over from stays active (it would sign again if the newer one were revoked) until it is retired. Every
/// step returns a new set; the old one is untouched (verifications in flight keep it).
/// </summary>
public static class KeyLifecycle
{
    public static KeyState StateOf(KeyValidity validity, DateTimeOffset now) => validity switch
    {
        { Revoked: true } => KeyState.Revoked,
        _ when validity.ActivatesAt > now => KeyState.Pending,
        { RetiresAt: { } retires } when retires <= now => KeyState.Retired,
        _ => KeyState.Active,
    };

    public static KeyValidity? ValidityOf(this IssuerKeySet keys, KeyKind kind, int id) => kind switch
    {
        KeyKind.Signing => id is >= 0 and <= ushort.MaxValue ? keys.FindSigningKey((ushort)id)?.Validity : null,
        _ => id is >= 0 and <= byte.MaxValue ? keys.FindSecret((byte)id)?.Validity : null,
    };

    /// <summary>A new signing key and secret, published now, that sign from <paramref name="activatesAt"/> (the most recently activated key signs).</summary>
    public static KeyChangeFailure TryCreate(this IssuerKeySet keys, SignatureSuite suite, DateTimeOffset activatesAt, DateTimeOffset now, out IssuerKeySet changed)
    {
        changed = keys;
        var keyId = keys.SigningKeys.Count == 0 ? 1 : keys.SigningKeys.Max(k => k.Id) + 1;
        var secretId = keys.Secrets.Count == 0 ? 1 : keys.Secrets.Max(s => s.Id) + 1;
        if (keyId > ushort.MaxValue || secretId > byte.MaxValue) return KeyChangeFailure.IdsExhausted;
        var created = new IssuerKeySet(keys.Issuer,
            keys.SigningKeys.Append(new SigningKeyEntry((ushort)keyId, new KeyValidity(activatesAt), SigningKey.Generate(suite))),
            keys.Secrets.Append(IssuerSecret.Generate((byte)secretId, new KeyValidity(activatesAt))));
        return Checked(created, now, out changed);
    }

    /// <summary>A pending key, and every pending key created with it (same activation time), signs from now.</summary>
    public static KeyChangeFailure TryActivateNow(this IssuerKeySet keys, KeyKind kind, int id, DateTimeOffset now, out IssuerKeySet changed)
    {
        changed = keys;
        if (keys.ValidityOf(kind, id) is not { } validity) return KeyChangeFailure.UnknownKey;
        if (StateOf(validity, now) != KeyState.Pending) return KeyChangeFailure.NotPending;
        var planned = validity.ActivatesAt;
        KeyValidity Move(KeyValidity v) => !v.Revoked && v.ActivatesAt == planned ? v with { ActivatesAt = now } : v;
        return Checked(keys.WithValidities(Move, Move), now, out changed);
    }

    /// <summary>An active key stops being one that may sign, from now; what it issued verifies until it expires.</summary>
    public static KeyChangeFailure TryRetire(this IssuerKeySet keys, KeyKind kind, int id, DateTimeOffset now, out IssuerKeySet changed)
    {
        changed = keys;
        if (keys.ValidityOf(kind, id) is not { } validity) return KeyChangeFailure.UnknownKey;
        if (StateOf(validity, now) != KeyState.Active) return KeyChangeFailure.NotActive;
        return Checked(keys.WithValidity(kind, id, v => v with { RetiresAt = now }), now, out changed);
    }

    /// <summary>Every pass under the key fails from now. A pending key is withdrawn: it never signs.</summary>
    public static KeyChangeFailure TryRevoke(this IssuerKeySet keys, KeyKind kind, int id, DateTimeOffset now, out IssuerKeySet changed)
    {
        changed = keys;
        if (keys.ValidityOf(kind, id) is not { } validity) return KeyChangeFailure.UnknownKey;
        if (validity.Revoked) return KeyChangeFailure.AlreadyRevoked;
        return Checked(keys.WithValidity(kind, id, v => v with { Revoked = true }), now, out changed);
    }

    /// <summary>
    /// The first moment from <paramref name="now"/> on at which no signing key or no secret is active, or null when
    /// there is none. Activity only changes at the keys' activation and retirement times, so those are the moments to look at.
    /// </summary>
    public static DateTimeOffset? FirstGap(this IssuerKeySet keys, DateTimeOffset now)
    {
        var windows = keys.SigningKeys.Select(k => k.Validity).Concat(keys.Secrets.Select(s => s.Validity)).ToList();
        var moments = windows.SelectMany(v => new[] { v.ActivatesAt, v.RetiresAt ?? now }).Where(t => t > now).Append(now).Distinct().Order();
        return moments.Cast<DateTimeOffset?>().FirstOrDefault(t => keys.ActiveSigningKey(t!.Value) is null || keys.ActiveSecret(t.Value) is null);
    }

    private static KeyChangeFailure Checked(IssuerKeySet changed, DateTimeOffset now, out IssuerKeySet result)
    {
        result = changed;
        return changed.FirstGap(now) is null ? KeyChangeFailure.None : KeyChangeFailure.WouldLeaveGap;
    }

    private static IssuerKeySet WithValidity(this IssuerKeySet keys, KeyKind kind, int id, Func<KeyValidity, KeyValidity> change) =>
        kind == KeyKind.Signing
            ? new IssuerKeySet(keys.Issuer, keys.SigningKeys.Select(k => k.Id == id ? k with { Validity = change(k.Validity) } : k), keys.Secrets)
            : new IssuerKeySet(keys.Issuer, keys.SigningKeys, keys.Secrets.Select(s => s.Id == id ? s.WithValidity(change(s.Validity)) : s));

    private static IssuerKeySet WithValidities(this IssuerKeySet keys, Func<KeyValidity, KeyValidity> signing, Func<KeyValidity, KeyValidity> secret) =>
        new(keys.Issuer,
            keys.SigningKeys.Select(k => k with { Validity = signing(k.Validity) }),
            keys.Secrets.Select(s => s.WithValidity(secret(s.Validity))));
}
