using System.Collections.Concurrent;
using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Server.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Citizens;

/// <summary>A citizen's current pass with what the page shows beside it.</summary>
public sealed record CitizenPass(IssuedPass Pass, DateTimeOffset RefreshAfter, Citizen Citizen);

/// <summary>
/// Issues citizens' passes. A pass is reused until three quarters of its life has passed (so the
/// page's JSON, SVG and PNG show the same text, and signing stays off the hot path), and reissued
/// at once when the status or credentials change.
/// </summary>
public sealed class PassService(KeyMaterial keys, ICitizenStore citizens, TimeProvider clock, IOptions<PassOptions> options)
{
    private readonly PassIssuer _issuer = new(keys.IssuerKeys, clock, new PassIssuerOptions { Lifetime = TimeSpan.FromSeconds(options.Value.LifetimeSeconds) });
    private readonly ConcurrentDictionary<UInt128, CitizenPass> _current = new();

    public IssuerId Issuer => keys.IssuerKeys.Issuer;

    public async Task<CitizenPass?> GetPassAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        var citizen = await citizens.GetAsync(id, cancellationToken);
        if (citizen is null) return null;
        var now = clock.GetUtcNow();
        if (_current.TryGetValue(id.Value, out var cached)
            && now < cached.RefreshAfter
            && cached.Citizen.Status.Version == citizen.Status.Version
            && cached.Citizen.Credentials == citizen.Credentials)
        {
            return cached with { Citizen = citizen };
        }
        var pass = _issuer.Issue(new CitizenPassState(citizen.Id, citizen.Status.Colour, citizen.Status.Version, citizen.Credentials));
        var fresh = new CitizenPass(pass, pass.IssuedAt + (pass.ExpiresAt - pass.IssuedAt) * 0.75, citizen);
        _current[id.Value] = fresh;
        if (_current.Count > 200_000) Sweep(now);
        return fresh;
    }

    // Passes of citizens who stopped asking are dropped; bounded memory whatever the traffic.
    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, value) in _current)
        {
            if (value.Pass.ExpiresAt < now) _current.TryRemove(key, out _);
        }
    }
}
