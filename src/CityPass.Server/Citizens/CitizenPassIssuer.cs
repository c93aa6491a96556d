using CityPass.Core.Tokens;
using CityPass.Core.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Citizens;

/// <summary>A citizen's current pass with what the page shows beside it.</summary>
[GenerateSerializer, Immutable]
public sealed record CitizenPass([property: Id(0)] IssuedPass Pass, [property: Id(1)] DateTimeOffset RefreshAfter, [property: Id(2)] Citizen Citizen)
{
    /// <summary>Still the pass to show: not past its refresh time, and issued for the citizen's current status and credentials.</summary>
    public bool IsCurrentFor(Citizen citizen, DateTimeOffset now) =>
        now < RefreshAfter && Citizen.Status.Version == citizen.Status.Version && Citizen.Credentials == citizen.Credentials;
}

/// <summary>
/// Signs citizens' passes with the city's keys (signature + MAC + encrypted pseudonym, CityPass.Core's
/// format). A pass is shown until three quarters of its life has passed, so the page has a quarter of
/// it to fetch the next one while the old one still scans.
/// </summary>
public sealed class CitizenPassIssuer(IIssuerKeySource keys, TimeProvider clock, IOptions<PassOptions> options)
{
    private readonly PassIssuer _issuer = new(keys, clock, new PassIssuerOptions { Lifetime = TimeSpan.FromSeconds(options.Value.LifetimeSeconds) });

    public IssuerId Issuer => keys.Current.Issuer;

    public CitizenPass Issue(Citizen citizen)
    {
        var pass = _issuer.Issue(new CitizenPassState(citizen.Id, citizen.Status.Colour, citizen.Status.Version, citizen.Credentials));
        return new CitizenPass(pass, pass.IssuedAt + (pass.ExpiresAt - pass.IssuedAt) * 0.75, citizen);
    }
}
