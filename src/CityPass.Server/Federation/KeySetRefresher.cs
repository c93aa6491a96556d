using Microsoft.Extensions.Options;

namespace CityPass.Server.Federation;

/// <summary>
/// Every <see cref="FederationOptions.RefreshInterval"/>: fetches each trusted city's document and reloads the trust
/// from the store, which is also how a change made on another server reaches this one. The first reload runs before
/// the host starts serving, so passes of trusted cities are accepted from the first request.
/// </summary>
public sealed class KeySetRefresher(TrustedCityService cities, FederatedTrust trust, IOptions<FederationOptions> options, TimeProvider clock, ILogger<KeySetRefresher> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await trust.ReloadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, clock);
        do
        {
            try
            {
                await cities.RefreshAllAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store that fails now is reported by the store monitor; the trust held stays as it is.
                logger.LogWarning(e, "Refreshing the trusted cities failed; the trust held is kept");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
