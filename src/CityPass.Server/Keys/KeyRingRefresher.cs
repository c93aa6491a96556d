using Microsoft.Extensions.Options;

namespace CityPass.Server.Keys;

/// <summary>
/// Takes the key set in before the host serves (the stored one, or the configured one at first), then polls the
/// store every <see cref="KeyOptions.RefreshInterval"/> for a change made on another server.
/// </summary>
public sealed class KeyRingRefresher(IssuerKeyRing ring, IOptions<KeyOptions> options, TimeProvider clock, ILogger<KeyRingRefresher> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ring.LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ring.RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The set held keeps working: a store that fails now is reported by the store monitor.
                logger.LogWarning(e, "Reading the key set from the store failed; the set held is kept");
            }
        }
    }
}
