using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Keys;

/// <summary>
/// The key steps a city admin takes (console Keys page and /v1/keys): create a signing key and secret that take over
/// signing at a set time, activate a pending pair now, retire the keys taken over from, revoke a key. Each step is checked so passes can always be
/// issued (<see cref="KeyLifecycle"/>), stored as the next version of the set (every server takes it in) together with
/// its audit entry: both or neither.
/// </summary>
public sealed class IssuerKeyService(IssuerKeyRing ring, KeyMaterial material, IOptions<KeyOptions> options, TimeProvider clock)
{
    private const int MaxReasonLength = 500;

    public KeySetView Get()
    {
        var keys = ring.Current;
        var now = clock.GetUtcNow();
        var signing = keys.ActiveSigningKey(now);
        var secret = keys.ActiveSecret(now);
        var views = keys.SigningKeys
            .Select(k => View(KeyKind.Signing, k.Id, k.Validity, k == signing, now, k.Key.Suite.ToWireName(), FederationKey.FingerprintOf(k.Key.PublicKey)))
            .Concat(keys.Secrets.Select(s => View(KeyKind.Secret, s.Id, s.Validity, s == secret, now, null, null)))
            .ToList();
        return new KeySetView(keys.Issuer.ToString(), material.Suite.ToWireName(), ring.Version, views);
    }

    public Task<Outcome<KeySetView>> CreateAsync(AccessScope scope, KeyCreateRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var activatesAt = request.ActivatesAt ?? now + options.Value.ActivationLead;
        if (activatesAt < now.AddMinutes(-1) || activatesAt > now.AddDays(365))
        {
            return Task.FromResult<Outcome<KeySetView>>(Failure.Invalid("activatesAt", "A new key takes over between now and a year from now."));
        }
        // A moment in the last minute is now (a form filled in slowly).
        if (activatesAt < now) activatesAt = now;
        return ChangeAsync(scope, "keys.create", "new key", request.Reason, required: false,
            keys => (keys.TryCreate(material.Suite, activatesAt, now, out var changed), changed), ct);
    }

    public Task<Outcome<KeySetView>> ActivateAsync(AccessScope scope, string kind, int id, KeyChangeRequest request, CancellationToken ct) =>
        ChangeKeyAsync(scope, "keys.activate", kind, id, request.Reason, required: false, (keys, k, now) => (keys.TryActivateNow(k, id, now, out var changed), changed), ct);

    public Task<Outcome<KeySetView>> RetireAsync(AccessScope scope, string kind, int id, KeyChangeRequest request, CancellationToken ct) =>
        ChangeKeyAsync(scope, "keys.retire", kind, id, request.Reason, required: false, (keys, k, now) => (keys.TryRetire(k, id, now, out var changed), changed), ct);

    /// <summary>A revocation breaks passes in citizens' hands: it says why.</summary>
    public Task<Outcome<KeySetView>> RevokeAsync(AccessScope scope, string kind, int id, KeyChangeRequest request, CancellationToken ct) =>
        ChangeKeyAsync(scope, "keys.revoke", kind, id, request.Reason, required: true, (keys, k, now) => (keys.TryRevoke(k, id, now, out var changed), changed), ct);

    /// <summary>The route's kind: "signing" or "secret".</summary>
    public static bool TryParseKind(string? text, out KeyKind kind)
    {
        kind = text switch { "signing" => KeyKind.Signing, "secret" => KeyKind.Secret, _ => (KeyKind)(-1) };
        return Enum.IsDefined(kind);
    }

    private Task<Outcome<KeySetView>> ChangeKeyAsync(
        AccessScope scope, string action, string kind, int id, string? reason, bool required,
        Func<IssuerKeySet, KeyKind, DateTimeOffset, (KeyChangeFailure, IssuerKeySet)> change, CancellationToken ct)
    {
        if (!TryParseKind(kind, out var k) || ring.Current.ValidityOf(k, id) is null) return Task.FromResult<Outcome<KeySetView>>(Failure.NotFound("Key"));
        return ChangeAsync(scope, action, $"{kind} key {id}", reason, required, keys => change(keys, k, clock.GetUtcNow()), ct);
    }

    private async Task<Outcome<KeySetView>> ChangeAsync(
        AccessScope scope, string action, string target, string? reason, bool required, Func<IssuerKeySet, (KeyChangeFailure, IssuerKeySet)> change, CancellationToken ct)
    {
        if (!scope.IsCityAdmin) return Failure.Forbidden("Only a city admin manages the city's keys.");
        reason = reason?.Trim();
        if (required && string.IsNullOrEmpty(reason)) return Failure.Invalid("reason", "Say why: a revocation refuses passes in citizens' hands.");
        if (reason is { Length: > MaxReasonLength }) return Failure.Invalid("reason", $"The reason is at most {MaxReasonLength} characters.");

        // Based on the newest stored set: a change made on another server a moment ago is not undone by this one.
        await ring.RefreshAsync(ct);
        var basedOn = ring.Version;
        var before = ring.Current;
        var (failure, changed) = change(before);
        if (Refused(failure, target) is { } refused) return refused;
        var now = clock.GetUtcNow();
        var entry = new AuditDraft(now, scope.Actor, action, IssuerKeyRing.Subject,
            KeySetDescription.Of(before, now), KeySetDescription.Of(changed, now), string.IsNullOrEmpty(reason) ? action : reason, null);
        if (!await ring.TrySaveAsync(changed, basedOn, entry, ct))
        {
            return new Failure(StatusCodes.Status409Conflict, KeyCodes.Changed, "The key set changed while this change was made; nothing was changed. Look again and retry.");
        }
        return Get();
    }

    private static Failure? Refused(KeyChangeFailure failure, string target) => failure switch
    {
        KeyChangeFailure.None => null,
        KeyChangeFailure.UnknownKey => Failure.NotFound("Key"),
        KeyChangeFailure.NotPending => new Failure(StatusCodes.Status409Conflict, KeyCodes.NotPending, $"The {target} is not pending: only a key that has not taken over yet can be activated now."),
        KeyChangeFailure.NotActive => new Failure(StatusCodes.Status409Conflict, KeyCodes.NotActive, $"The {target} is not active: a pending key is withdrawn by revoking it."),
        KeyChangeFailure.AlreadyRevoked => new Failure(StatusCodes.Status409Conflict, KeyCodes.AlreadyRevoked, $"The {target} is already revoked."),
        KeyChangeFailure.WouldLeaveGap => new Failure(StatusCodes.Status409Conflict, KeyCodes.WouldLeaveGap,
            "After this change there would be no active signing key or secret, so no pass could be issued. Create a new key and activate it first."),
        KeyChangeFailure.IdsExhausted => new Failure(StatusCodes.Status409Conflict, KeyCodes.IdsExhausted, "Every key id of this set is used: start a new key set from configuration."),
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    private static IssuerKeyView View(KeyKind kind, int id, KeyValidity validity, bool signs, DateTimeOffset now, string? suite, string? fingerprint) =>
        new(kind == KeyKind.Signing ? "signing" : "secret", id, KeyLifecycle.StateOf(validity, now).ToString().ToLowerInvariant(), signs,
            validity.ActivatesAt, validity.RetiresAt, suite, fingerprint);
}
