using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Loads the Data Protection key ring from Redis once at start, after the connection is up. The ring is read
/// synchronously, under the multiplexer's short sync timeout (the gates' budget), by whichever request first needs it
/// (a console page's antiforgery token or cookie): cold and on a busy machine that read timed out, and the page
/// answered 503. Loaded here, it is cached before any request comes, and a slow first read is retried (a timeout is a
/// <see cref="RedisTimeoutException"/>, which is a <see cref="TimeoutException"/>, not a <see cref="RedisException"/>).
/// </summary>
internal sealed class KeyRingWarmUp(IDataProtectionProvider dataProtection, ILogger<KeyRingWarmUp> logger) : IHostedService
{
    private const int Attempts = 5;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var protector = dataProtection.CreateProtector("citypass/key-ring-warm-up");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                protector.Protect([1]);
                return;
            }
            catch (Exception e) when ((e is RedisException or TimeoutException) && attempt < Attempts)
            {
                logger.LogWarning("Reading the Data Protection key ring from Redis failed ({Error}); trying again ({Attempt} of {Attempts})", e.Message, attempt, Attempts);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
