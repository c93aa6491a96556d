using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Redis;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CityPass.Server.Stores;

public static class HotStateRegistration
{
    /// <summary>The Data Protection key ring's list in Redis.</summary>
    public const string DataProtectionKeys = "cp:data-protection-keys";

    /// <summary>
    /// The hot state: Redis when ConnectionStrings:Redis is set (with the scan archiver that drains
    /// its stream into the scan store, the reconciler that repairs missed citizen pushes, and the refill that puts
    /// back what a Redis that lost its data had), else in memory.
    /// </summary>
    public static IServiceCollection AddHotState(this IServiceCollection services, IConfiguration configuration)
    {
        // Citizens and venues use their parts of the hot state under interfaces of their own. One instance behind all of
        // them: a second embedded one would hold copies, codes and counts the scan path never reads.
        services.AddSingleton<ICitizenHotCopies>(sp => sp.GetRequiredService<IHotState>());
        services.AddSingleton<IOneTimeCodes>(sp => sp.GetRequiredService<IHotState>());
        services.AddSingleton<Venues.IVenueHotState>(sp => sp.GetRequiredService<IHotState>());
        var connectionString = configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            // The string in StackExchange.Redis's format; the "Redis" section adds what a string can't carry (certificate pins).
            services.AddOptions<RedisConnectionOptions>()
                .Configure(o => o.ConnectionString = connectionString)
                .Bind(configuration.GetSection(RedisConnectionOptions.Section))
                .ValidateOnStart();
            services.AddSingleton<IValidateOptions<RedisConnectionOptions>, RedisConnection.Validator>();
            // One multiplexer for the process, connected by this hosted service before the ones below start.
            services.AddSingleton<RedisConnection>();
            services.AddHostedService(sp => sp.GetRequiredService<RedisConnection>());
            services.AddSingleton(sp => sp.GetRequiredService<RedisConnection>().Multiplexer);
            Func<IConnectionMultiplexer> Redis(IServiceProvider sp) => sp.GetRequiredService<IConnectionMultiplexer>;
            // The key ring that protects console cookies and antiforgery tokens, where every replica reads it, so a
            // console session opens on any replica. Redis runs with AOF; should it lose the ring, staff sign in again.
            // Read through the connection at use: the options are built before the host starts and connects. A read
            // that times out under the gates' sync timeout is tried again (RetryingXmlRepository says why).
            services.AddOptions<KeyManagementOptions>().Configure<RedisConnection>((o, redis) =>
                o.XmlRepository = new RetryingXmlRepository(new RedisXmlRepository(() => redis.Multiplexer.GetDatabase(), DataProtectionKeys)));

            var reconcileSeconds = configuration.GetValue("HotState:ReconcileSeconds", 60);
            if (reconcileSeconds <= 0) throw new InvalidOperationException("HotState:ReconcileSeconds must be positive.");
            var fullReconcileHours = configuration.GetValue("HotState:FullReconcileHours", 24.0);
            if (fullReconcileHours is <= 0 or > 24 * 365) throw new InvalidOperationException("HotState:FullReconcileHours is above 0 and at most a year.");

            services.AddSingleton<RedisHotState>();
            services.AddSingleton<IHotState>(sp => sp.GetRequiredService<RedisHotState>());
            // Registered after RedisConnection, so they start once it has connected.
            var archiveRound = configuration.GetValue("HotState:ArchiveRoundMilliseconds", ScanArchiverOptions.DefaultRoundMilliseconds);
            if (archiveRound is < 10 or > 10_000) throw new InvalidOperationException("HotState:ArchiveRoundMilliseconds is between 10 and 10000.");
            // Off on replicas that only answer requests, where other replicas archive (one at a time, by a lease): e.g. to
            // give the archive processes of their own, or to measure its cost apart.
            if (configuration.GetValue("HotState:Archive", true))
            {
                services.AddHostedService(sp => new ScanArchiver(Redis(sp), sp.GetRequiredService<IScanStore>(), sp.GetRequiredService<ILogger<ScanArchiver>>(),
                    new ScanArchiverOptions { RoundInterval = TimeSpan.FromMilliseconds(archiveRound) }));
            }
            services.TryAddSingleton<Venues.GateDirectory>();
            services.AddHostedService(sp => new RedisDirectorySync(Redis(sp), sp.GetRequiredService<Venues.GateDirectory>(), sp.GetRequiredService<ILogger<RedisDirectorySync>>()));
            services.TryAddSingleton<Operators.OperatorCache>();
            services.AddHostedService(sp => new RedisOperatorSync(Redis(sp), sp.GetRequiredService<Operators.OperatorCache>(), sp.GetRequiredService<ILogger<RedisOperatorSync>>()));
            // Whole-city passes, one replica at a time: the lease outlives two periods, so a holder that stopped is
            // replaced within that, and a replica that renews it each period keeps it.
            var reconcileLease = TimeSpan.FromSeconds(reconcileSeconds * 2.5);
            services.AddSingleton(sp => new CitizenReconciler(
                sp.GetRequiredService<ICitizenStore>(), () => sp.GetRequiredService<ICitizenHotCopies>(), TimeSpan.FromSeconds(reconcileSeconds),
                sp.GetRequiredService<ILogger<CitizenReconciler>>(),
                takesThisPeriod: new RedisLease(Redis(sp), "reconcile-citizens", reconcileLease).TryHoldAsync,
                marks: new RedisReconcileMarks(Redis(sp), "citizens"), fullEvery: TimeSpan.FromHours(fullReconcileHours)));
            services.AddHostedService(sp => sp.GetRequiredService<CitizenReconciler>());
            services.AddHostedService(sp => new HotStateRefill(Redis(sp), sp.GetRequiredService<CitizenReconciler>(),
                sp.GetRequiredService<Venues.IVenueStore>(), sp.GetRequiredService<IScanStore>(), sp.GetRequiredService<Ticketing.ITicketStore>(),
                // Resolved at use: the Redis hot state needs the connection, made as the host starts.
                () => sp.GetRequiredService<IHotState>(), sp.GetRequiredService<TimeProvider>(),
                TimeSpan.FromSeconds(reconcileSeconds), sp.GetRequiredService<ILogger<HotStateRefill>>(),
                new RedisLease(Redis(sp), "reconcile-bookings", reconcileLease)));
            return services;
        }
        services.AddSingleton<IHotState, EmbeddedHotState>();
        return services;
    }
}
