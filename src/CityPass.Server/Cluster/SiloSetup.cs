using CityPass.Server.Citizens;
using CityPass.Server.Stores.Redis;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using StackExchange.Redis;

namespace CityPass.Server.Cluster;

/// <summary>
/// The Orleans silo every CityPass process hosts beside its API: the app calls its grains through the
/// in-process client, so no gateway is opened unless configured. With no Redis configured (the embedded
/// default) the silo is a cluster of one on localhost; with Redis, the replicas' silos find each other
/// through a membership table in Redis (<c>ConnectionStrings:Orleans</c>, else the scan Redis).
/// </summary>
public static class SiloSetup
{
    public static IHostApplicationBuilder AddCityPassSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = Read(configuration);
        var ownMembershipRedis = configuration.GetConnectionString("Orleans");
        var clustered = !string.IsNullOrWhiteSpace(ownMembershipRedis) || !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis"));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ActiveCitizens>();
        builder.Services.AddSingleton<CitizenPassIssuer>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownSeconds));
        // Orleans keeps its own time (membership probes, call timeouts, idle collection) on the real clock,
        // whatever clock the app's own code is given; tests move the app's clock, never the runtime's.
        builder.Services.AddKeyedSingleton<TimeProvider>(KeyedService.AnyKey, (_, _) => TimeProvider.System);

        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis")))
        {
            // Registered after the Redis connection (AddCityPass), so it starts once that has connected.
            builder.Services.AddHostedService(sp => new RedisCitizenSync(
                sp.GetRequiredService<IConnectionMultiplexer>, sp.GetRequiredService<ActiveCitizens>(), sp.GetRequiredService<ILogger<RedisCitizenSync>>()));
        }

        builder.UseOrleans(silo =>
        {
            if (clustered)
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId));
                silo.ConfigureEndpoints(options.Address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: options.ListenOnAnyAddress);
                silo.UseRedisClustering(_ => { });
                silo.Services.AddSingleton(sp => new MembershipRedis(
                    string.IsNullOrWhiteSpace(ownMembershipRedis)
                        ? sp.GetRequiredService<IOptions<RedisConnectionOptions>>().Value
                        : new RedisConnectionOptions { ConnectionString = ownMembershipRedis },
                    sp.GetRequiredService<ILogger<MembershipRedis>>()));
                silo.Services.AddOptions<RedisClusteringOptions>().Configure<MembershipRedis>((o, membership) =>
                {
                    o.ConfigurationOptions = membership.Configuration;
                    o.CreateMultiplexer = async _ => (await membership.ConnectedAsync(), true);
                });
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
            }
            if (!string.IsNullOrWhiteSpace(options.SiloName)) silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = options.SiloName);
            silo.Configure<GrainCollectionOptions>(o =>
                o.ClassSpecificCollectionAge[typeof(CitizenGrain).FullName!] = TimeSpan.FromMinutes(options.CitizenIdleMinutes));
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(options.CallTimeoutSeconds));
            // Failure detection. A replica killed outright is declared dead after two missed 2-second probes: with
            // Orleans' defaults (5 s, three) its citizens' grains were unreachable for 12 s; with these, 1.4 s
            // (ReplicaCrashTests, docs/architecture.md). The price is a silo stalled over ~4 s (a long GC pause, a
            // starved CPU) being voted out and restarting. Orleans:Membership:* overrides both.
            silo.Configure<ClusterMembershipOptions>(o => (o.ProbeTimeout, o.NumMissedProbesLimit) = (TimeSpan.FromSeconds(2), 2));
            silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(SiloOptions.Section + ":Membership"));
        });
        // After the silo's own hosted service: it watches a table the silo has joined.
        if (clustered) builder.Services.AddHostedService<MembershipWatchdog>();
        return builder;
    }

    /// <summary>The section, with the downward API's POD_IP and POD_NAME where the section leaves them out; invalid settings fail the boot.</summary>
    public static SiloOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        options.AdvertisedAddress ??= configuration["POD_IP"];
        options.SiloName ??= configuration["POD_NAME"];
        var errors = options.Validate().ToList();
        if (errors.Count > 0) throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), errors);
        return options;
    }
}
