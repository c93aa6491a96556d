using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;

namespace CityPass.Server.Cluster;

/// <summary>
/// Stops this replica when the membership table in Redis has lost its row, so the orchestrator starts it
/// again into a fresh table. A Redis that restarts empty (no AOF, or a failover to a replica that had not
/// caught up) drops every silo's row: the running silos keep their last view and retry their I-am-alive
/// writes for ever, while a silo started afterwards finds a table with only itself and forms a second
/// cluster beside them. A citizen can then be active twice (status writes stay safe behind the version
/// check, but the two activations issue different passes), and nobody can vote a dead replica out.
/// Restarting is the way back, so each replica restarts itself once the loss is certain, at a random moment
/// within <see cref="SiloOptions.MembershipLossJitterSeconds"/> so the replicas do not all go down at once.
/// </summary>
/// <remarks>
/// It reads the table's hash directly (the provider's own key; a row per silo named by its address): the
/// provider's ReadRow does not return when the table is gone. It acts only on a row it has seen before, so a
/// provider that named rows differently would leave it idle, never restart healthy replicas.
/// </remarks>
public sealed class MembershipWatchdog(
    IOptions<RedisClusteringOptions> redisOptions, IOptions<ClusterOptions> cluster, ILocalSiloDetails silo, IHostApplicationLifetime lifetime,
    SiloOptions options, ILogger<MembershipWatchdog> logger)
    : BackgroundService
{
    /// <summary>Checks in a row that must find the row missing before acting: one read can race a table being rewritten.</summary>
    public const int ChecksBeforeActing = 3;

    private volatile bool _watching;

    /// <summary>True once this silo's row has been seen in the table: from then on its loss is acted on.</summary>
    public bool Watching => _watching;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (redis, shared) = await redisOptions.Value.CreateMultiplexer(redisOptions.Value);
        try
        {
            await WatchAsync(redis.GetDatabase(), redisOptions.Value.CreateRedisKey(cluster.Value), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (!shared) await redis.DisposeAsync();
        }
    }

    private async Task WatchAsync(IDatabase redis, RedisKey table, CancellationToken stoppingToken)
    {
        var row = silo.SiloAddress.ToString();
        var missing = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.MembershipCheckSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            bool present;
            try
            {
                present = await redis.HashExistsAsync(table, row);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // An unreachable table is an outage (Orleans rides it out), not a loss.
                continue;
            }
            if (present)
            {
                (_watching, missing) = (true, 0);
                continue;
            }
            if (!_watching || ++missing < ChecksBeforeActing) continue;

            var jitter = TimeSpan.FromSeconds(Random.Shared.NextDouble() * options.MembershipLossJitterSeconds);
            logger.LogCritical("This silo's row is gone from the membership table (did its Redis restart empty?); restarting in {Seconds:F0} s to rejoin a fresh table.", jitter.TotalSeconds);
            await Task.Delay(jitter, stoppingToken);
            lifetime.StopApplication();
            if (options.ExitAfterMembershipLossSeconds == 0) return;
            // The silo's goodbye to a table that is gone cannot complete: Orleans retries it for a minute while the
            // server answers nothing (seen under load: 37 s without an answer). There is nothing to hand off, as no
            // other silo can see this one; once the requests in flight are answered the process ends itself, and a
            // Deployment's pod is restarted whatever the exit code (restartPolicy Always).
            await Task.Delay(TimeSpan.FromSeconds(options.ExitAfterMembershipLossSeconds), CancellationToken.None);
            logger.LogCritical("Ending the process: the silo cannot leave a membership table that is gone.");
            // The console logger writes from a queue of its own: a moment for that line to leave.
            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
            System.Diagnostics.Process.GetCurrentProcess().Kill();
            return;
        }
    }
}
