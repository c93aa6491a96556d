using CityPass.Redis;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityPass.Server.Stores;

public static class HotStateRegistration
{
    /// <summary>
    /// The hot state: Redis when ConnectionStrings:Redis is set (with the scan archiver that drains
    /// its stream into the scan store, and the reconciler that repairs missed citizen pushes), else in memory.
    /// </summary>
    public static IServiceCollection AddHotState(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            // The client's registration reads a section; the connection string comes first and a
            // "Redis" section (timeouts, password from a secret...) may override single settings.
            var redisSection = new ConfigurationBuilder()
                .AddInMemoryCollection([new("ConnectionString", connectionString)])
                .AddConfiguration(configuration.GetSection("Redis"))
                .Build();
            services.AddRedisClient(redisSection);

            var reconcileSeconds = configuration.GetValue("HotState:ReconcileSeconds", 60);
            if (reconcileSeconds <= 0) throw new InvalidOperationException("HotState:ReconcileSeconds must be positive.");

            services.AddSingleton<RedisHotState>();
            services.AddSingleton<IHotState>(sp => sp.GetRequiredService<RedisHotState>());
            // Registered after the client's own hosted service, so they start once it has connected.
            services.AddHostedService(sp => new ScanArchiver(
                () => sp.GetRequiredService<RedisClient>(), sp.GetRequiredService<IScanStore>(), sp.GetRequiredService<ILogger<ScanArchiver>>()));
            services.TryAddSingleton<Venues.GateDirectory>();
            services.AddHostedService(sp => new RedisDirectorySync(
                () => sp.GetRequiredService<RedisClient>(), sp.GetRequiredService<Venues.GateDirectory>(), sp.GetRequiredService<ILogger<RedisDirectorySync>>()));
            services.TryAddSingleton<Operators.OperatorCache>();
            services.AddHostedService(sp => new RedisOperatorSync(
                () => sp.GetRequiredService<RedisClient>(), sp.GetRequiredService<Operators.OperatorCache>(), sp.GetRequiredService<ILogger<RedisOperatorSync>>()));
            services.AddHostedService(sp => new CitizenReconciler(
                sp.GetRequiredService<ICitizenStore>(), () => sp.GetRequiredService<IHotState>(), TimeSpan.FromSeconds(reconcileSeconds),
                sp.GetRequiredService<ILogger<CitizenReconciler>>()));
            return services;
        }
        services.AddSingleton<IHotState, EmbeddedHotState>();
        return services;
    }
}
