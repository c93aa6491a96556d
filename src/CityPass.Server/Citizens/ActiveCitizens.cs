using System.Collections.Concurrent;
using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// The citizens whose grains are active on this silo, so a change made around the grains (an import
/// writing rows directly) reaches the activations that hold those citizens without activating anyone
/// else. Other replicas hear of it through <see cref="Changed"/> (Redis pub/sub when Redis is configured).
/// A lost notice is repaired by <see cref="CitizenGrain.MaxStateAge"/>.
/// </summary>
public sealed class ActiveCitizens(IGrainFactory grains, ILogger<ActiveCitizens> logger)
{
    /// <summary>Reloads in flight at once when many citizens changed.</summary>
    public const int MaxConcurrentReloads = 32;

    private readonly ConcurrentDictionary<CitizenPseudonym, byte> _here = new();

    /// <summary>Raised after this process told its own grains, with the citizens that changed, to tell the other replicas.</summary>
    public event Action<IReadOnlyCollection<CitizenPseudonym>>? Changed;

    /// <summary>How many citizen grains are active on this silo.</summary>
    public int Count => _here.Count;

    internal void Activated(CitizenPseudonym id) => _here[id] = 0;

    internal void Deactivated(CitizenPseudonym id) => _here.TryRemove(id, out _);

    /// <summary>These citizens' rows changed outside their grains: the active ones, here and on the other replicas, read them again.</summary>
    public async Task ChangedAsync(IReadOnlyCollection<CitizenPseudonym> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        await ReloadLocalAsync(ids, cancellationToken);
        Changed?.Invoke(ids);
    }

    /// <summary>Another replica announced these changes: reload the ones active here.</summary>
    public async Task ReloadLocalAsync(IEnumerable<CitizenPseudonym> ids, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReloads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(ids.Where(_here.ContainsKey), options, async (id, _) =>
        {
            try
            {
                await grains.Citizen(id).ReloadAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The grain keeps what it held until its state's age runs out.
                logger.LogWarning("Could not tell a citizen's grain to reload ({Error}).", e.GetType().Name);
            }
        });
    }
}
