using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Server.Keys;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Citizens;

/// <summary>A citizen's current pass with what the page shows beside it.</summary>
public sealed record CitizenPass(IssuedPass Pass, DateTimeOffset RefreshAfter, Citizen Citizen);

/// <summary>
/// Issues citizens' passes. A pass is reused until three quarters of its life has passed (so the
/// page's JSON, SVG and PNG show the same text, and signing stays off the hot path), and reissued
/// at once when the status or credentials change. The cache of current passes holds at most
/// <see cref="PassOptions.MaxCachedPasses"/>: past that, passes are simply issued again (a few tens
/// of microseconds each), so memory is bounded whatever the number of citizens asking.
/// </summary>
public sealed class PassService(KeyMaterial keys, ICitizenStore citizens, TimeProvider clock, IOptions<PassOptions> options) : IDisposable
{
    private readonly PassIssuer _issuer = new(keys.IssuerKeys, clock, new PassIssuerOptions { Lifetime = TimeSpan.FromSeconds(options.Value.LifetimeSeconds) });
    private readonly MemoryCache _current = new(new MemoryCacheOptions { SizeLimit = options.Value.MaxCachedPasses });

    public IssuerId Issuer => keys.IssuerKeys.Issuer;

    public async Task<CitizenPass?> GetPassAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        var citizen = await citizens.GetAsync(id, cancellationToken);
        if (citizen is null) return null;
        var now = clock.GetUtcNow();
        if (_current.TryGetValue(id.Value, out CitizenPass? cached)
            && cached is not null
            && now < cached.RefreshAfter
            && cached.Citizen.Status.Version == citizen.Status.Version
            && cached.Citizen.Credentials == citizen.Credentials)
        {
            return cached with { Citizen = citizen };
        }
        var pass = _issuer.Issue(new CitizenPassState(citizen.Id, citizen.Status.Colour, citizen.Status.Version, citizen.Credentials));
        var fresh = new CitizenPass(pass, pass.IssuedAt + (pass.ExpiresAt - pass.IssuedAt) * 0.75, citizen);
        // Size 1 per pass: the limit counts passes. When full, the cache refuses the entry and compacts
        // in the background (oldest and soonest-expiring first); the pass is served all the same.
        // The expiry only frees memory (relative, so the cache's own clock may differ from ours); the refresh check above decides.
        _current.Set(id.Value, fresh, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = fresh.RefreshAfter - now });
        return fresh;
    }

    /// <summary>How many current passes are cached now (bounded by <see cref="PassOptions.MaxCachedPasses"/>).</summary>
    public int CachedPasses => _current.Count;

    public void Dispose() => _current.Dispose();
}
