using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;

namespace CityPass.Server.Stores;

public static class HotStateRegistration
{
    /// <summary>
    /// The hot state: Redis when ConnectionStrings:Redis is set (with the scan archiver that drains
    /// its stream into the scan store), else in memory.
    /// </summary>
    public static IServiceCollection AddHotState(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("The Redis hot state is not built yet; unset ConnectionStrings:Redis to run embedded.");
        }
        services.AddSingleton<IHotState, EmbeddedHotState>();
        return services;
    }
}
