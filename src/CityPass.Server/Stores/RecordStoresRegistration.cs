using CityPass.Server.Audit;
using CityPass.Server.Citizens;
using CityPass.Server.Operators;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Venues;

namespace CityPass.Server.Stores;

public static class RecordStoresRegistration
{
    /// <summary>
    /// The systems of record: PostgreSQL when ConnectionStrings:Postgres is set, else in memory.
    /// </summary>
    public static IServiceCollection AddRecordStores(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("The PostgreSQL stores are not built yet; unset ConnectionStrings:Postgres to run embedded.");
        }
        services.AddSingleton<EmbeddedAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<EmbeddedAuditLog>());
        services.AddSingleton<ICitizenStore, EmbeddedCitizenStore>();
        services.AddSingleton<IVenueStore, EmbeddedVenueStore>();
        services.AddSingleton<IOperatorStore, EmbeddedOperatorStore>();
        services.AddSingleton<IScanStore, EmbeddedScanStore>();
        return services;
    }
}
