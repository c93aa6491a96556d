using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Tells the other replicas which citizens' rows changed around their grains (an import), so each
/// reloads the ones active on its silo; as <see cref="RedisOperatorSync"/> does for staff accounts.
/// A message carries pseudonyms only, comma-separated.
/// </summary>
public sealed class RedisCitizenSync(Func<IConnectionMultiplexer> redis, ActiveCitizens active, ILogger<RedisCitizenSync> logger) : BackgroundService
{
    public const string Channel = "cp:citizens-changed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = new RedisInvalidations(redis(), Channel, logger);
        void Announce(IReadOnlyCollection<CitizenPseudonym> ids) => channel.Announce(string.Join(',', ids));
        active.Changed += Announce;
        try
        {
            await channel.SubscribeAsync(detail =>
            {
                var ids = new List<CitizenPseudonym>();
                foreach (var part in (detail ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (CitizenPseudonym.TryParse(part, out var id)) ids.Add(id);
                }
                _ = active.ReloadLocalAsync(ids, stoppingToken);
            }, stoppingToken);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            active.Changed -= Announce;
        }
    }
}
