using System.Security.Cryptography;
using CityPass.Core.Keys;
using CityPass.Server.Audit;

namespace CityPass.Server.Keys;

/// <summary>
/// This city's issuer key set in use, the one passes are issued and checked with. It lives in the store, sealed, so
/// every server holds the same one: a change made on one server counts there at once and on the others at their next
/// poll (<see cref="KeyRingRefresher"/>). Configuration seeds it: at the first boot the configured set is taken in;
/// later a configured set counts only if it is new (its fingerprint never seen), which is how an operator who rotates
/// keys by configuration still can, while a server restarted with an older configuration does not undo staff's changes.
/// </summary>
public sealed class IssuerKeyRing(KeyMaterial material, IIssuerKeyStore store, TimeProvider clock, ILogger<IssuerKeyRing> logger)
    : IIssuerKeySource
{
    public const string ConfigurationActor = "system:configuration";

    /// <summary>The audit log's subject of every key step.</summary>
    public const string Subject = "keys";

    /// <summary>The fingerprints a stored set remembers; older ones may count as new again, which only matters for a configuration that old.</summary>
    private const int SeedsKept = 50;

    private volatile Held _held = new(material.ConfiguredIssuerKeys, 0);

    public IssuerKeySet Current => _held.Keys;

    /// <summary>The stored version <see cref="Current"/> came from (0 before the first load).</summary>
    public long Version => _held.Version;

    private string Issuer => material.Issuer.ToString();

    /// <summary>Takes in the stored set, or the configured one when none is stored or it is new. Runs before the host serves.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var configured = material.ConfiguredIssuerKeys;
            var seed = KeySetSeal.Fingerprint(configured);
            var stored = await store.GetAsync(Issuer, cancellationToken);
            if (stored is not null && stored.Seeds.Contains(seed))
            {
                Accept(Open(stored), stored.Version);
                return;
            }
            if (configured.ActiveSigningKey(clock.GetUtcNow()) is null || configured.ActiveSecret(clock.GetUtcNow()) is null)
            {
                throw new InvalidOperationException($"The configured key set of issuer {Issuer} has no active signing key or secret: passes could not be issued.");
            }
            var seeds = (stored?.Seeds ?? []).Append(seed).TakeLast(SeedsKept).ToList();
            var version = (stored?.Version ?? 0) + 1;
            // Taking in the first set is no change of state; replacing staff's set by configuration is, and is audited with it.
            AuditOf<StoredKeySet>? imported = stored is null ? null : _ =>
                new AuditDraft(clock.GetUtcNow(), ConfigurationActor, "keys.import", Subject, null, KeySetDescription.Of(configured, clock.GetUtcNow()), "keys.import", null);
            var seal = new StoredKeySet(version, KeySetSeal.Seal(configured, material.KeySetSealKey), seeds, clock.GetUtcNow());
            if (await store.SaveAsync(Issuer, seal, stored?.Version ?? 0, imported, cancellationToken))
            {
                Accept(configured, version);
                if (stored is not null) logger.LogWarning("Configuration supplies a key set of issuer {Issuer} not seen before: it replaces the managed one", Issuer);
                return;
            }
            // Another server took a set in at the same moment: read again what it stored.
            if (attempt >= 3) throw new InvalidOperationException($"The key set of issuer {Issuer} kept changing while this server started.");
        }
    }

    /// <summary>Takes in the stored set if another server changed it. True when it changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (await store.VersionAsync(Issuer, cancellationToken) is not { } version || version == Version) return false;
        if (await store.GetAsync(Issuer, cancellationToken) is not { } stored || stored.Version == Version) return false;
        Accept(Open(stored), stored.Version);
        logger.LogInformation("The key set of issuer {Issuer} changed on another server: version {Version} taken in", Issuer, stored.Version);
        return true;
    }

    /// <summary>
    /// Stores <paramref name="changed"/> as the next version, with <paramref name="audit"/>'s entry in the same step, if the
    /// set is still at <paramref name="basedOn"/>, and uses it at once. False when another server changed the set first
    /// (nothing is stored or audited; the caller reads again).
    /// </summary>
    public async Task<bool> TrySaveAsync(IssuerKeySet changed, long basedOn, AuditDraft audit, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(Issuer, cancellationToken);
        if (stored is null || stored.Version != basedOn) return false;
        // The new set's own fingerprint joins the seeds: the key file written below is then not "new" at the next boot.
        var seeds = stored.Seeds.Append(KeySetSeal.Fingerprint(changed)).TakeLast(SeedsKept).ToList();
        var next = new StoredKeySet(basedOn + 1, KeySetSeal.Seal(changed, material.KeySetSealKey), seeds, clock.GetUtcNow());
        if (!await store.SaveAsync(Issuer, next, basedOn, _ => audit, cancellationToken)) return false;
        Accept(changed, next.Version);
        // Where the configured set is a file (the embedded default), it follows, so a restart starts from this set.
        if (material.KeyFile is { } file) KeyMaterial.WriteSecretFile(file, changed.ToPrivateJson());
        return true;
    }

    private void Accept(IssuerKeySet keys, long version)
    {
        if (version < Version) return;
        _held = new Held(keys, version);
    }

    private IssuerKeySet Open(StoredKeySet stored)
    {
        try
        {
            var keys = KeySetSeal.Open(stored.Sealed, material.KeySetSealKey, material.Issuer);
            if (keys.Issuer != material.Issuer) throw new CryptographicException("The stored key set names another issuer.");
            return keys;
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"The managed key set of issuer {Issuer} does not open with this server's secret (was Keys:ServerSecret replaced?). " +
                "Restore the secret, or supply the key set in configuration (Keys:KeySetJson) to take it in anew.", e);
        }
    }

    private sealed record Held(IssuerKeySet Keys, long Version);
}
