using CityPass.Core.Gates;
using CityPass.Server.Citizens;
using CityPass.Server.Federation;
using CityPass.Server.Keys;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Gates;

/// <summary>
/// A gate's offline bundle, signed for that gate now: the trust this server holds (this city's keys, the pinned
/// files', and each trusted city's until its trust ends), the gate's venue policy, and the end of the v1 pass window.
/// </summary>
public sealed class GateBundleService(
    FederatedTrust trust, KeySetPublisher publisher, KeyMaterial keys, IOptions<GateBundleOptions> options, IOptions<PassOptions> passes, TimeProvider clock)
{
    public Outcome<string> BundleFor(GateEntry gate)
    {
        if (publisher.FederationKey is not { } key)
        {
            return new Failure(StatusCodes.Status404NotFound, FederationCodes.NotPublished, "This city has no federation key, so it signs no gate bundles.");
        }
        // Whole seconds, as the key-set documents: the JSON carries what the gate compares.
        var now = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds());
        var bundle = new GateBundle(keys.Issuer, gate.Gate.Id, gate.Venue.Id, now, options.Value.BundleMaxAge,
            [.. trust.Current.KeySets.OrderBy(k => k.Issuer.Code)], gate.Venue.Policy, passes.Value.V1AcceptedUntil);
        return GateBundle.Sign(bundle, key.Key);
    }
}
