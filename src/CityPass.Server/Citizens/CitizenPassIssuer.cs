using CityPass.Core.Tokens;
using CityPass.Core.Keys;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Citizens;

/// <summary>A citizen's current pass with what the page shows beside it.</summary>
[GenerateSerializer, Immutable]
public sealed record CitizenPass(
    [property: Id(0)] IssuedPass Pass, [property: Id(1)] DateTimeOffset RefreshAfter, [property: Id(2)] Citizen Citizen, [property: Id(3)] int Signer)
{
    /// <summary>
    /// Still the pass to show: not past its refresh time, issued for the citizen's current status and credentials, and
    /// by the keys that sign now (a key rotated or revoked since gets the citizen a new pass at once).
    /// </summary>
    public bool IsCurrentFor(Citizen citizen, DateTimeOffset now, int signerNow) =>
        now < RefreshAfter && Citizen.Status.Version == citizen.Status.Version && Citizen.Credentials == citizen.Credentials && Signer == signerNow;
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
        // Read before issuing: should the keys change in between, the pass looks older than it is and is issued again.
        var signer = SignerAt(clock.GetUtcNow());
        var pass = _issuer.Issue(new CitizenPassState(citizen.Id, citizen.Status.Colour, citizen.Status.Version, citizen.Credentials));
        return new CitizenPass(pass, pass.IssuedAt + (pass.ExpiresAt - pass.IssuedAt) * 0.75, citizen, signer);
    }

    /// <summary>Which signing key and secret issue passes at <paramref name="now"/>, as one number (-1: none).</summary>
    public int SignerAt(DateTimeOffset now)
    {
        var set = keys.Current;
        return set.ActiveSigningKey(now) is { } signing && set.ActiveSecret(now) is { } secret ? signing.Id << 8 | secret.Id : -1;
    }
}
