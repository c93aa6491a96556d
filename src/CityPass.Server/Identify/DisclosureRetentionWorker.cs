using CityPass.Server.Retention;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Identify;

/// <summary>
/// Purges, hourly, disclosures and the citizens' consent changes older than the retention period
/// (<see cref="IdentifyOptions.DisclosureRetentionDays"/>); consents themselves stay until withdrawn.
/// </summary>
public sealed class DisclosureRetentionWorker(IIdentityStore store, IOptions<IdentifyOptions> options, TimeProvider timeProvider, ILogger<DisclosureRetentionWorker> logger)
    : HourlyPurgeWorker(timeProvider, logger)
{
    protected override string What => "Disclosure";

    protected override TimeSpan Retention => options.Value.DisclosureRetention;

    protected override Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => store.PurgeAsync(cutoff, cancellationToken);
}
