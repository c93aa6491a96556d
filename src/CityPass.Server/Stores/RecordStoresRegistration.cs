using CityPass.Server.Appeals;
using CityPass.Server.Audit;
using CityPass.Server.Authority;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Estates;
using CityPass.Server.Federation;
using CityPass.Server.Identify;
using CityPass.Server.Keys;
using CityPass.Server.Operators;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Postgres;
using CityPass.Server.Ticketing;
using CityPass.Server.Tracing;
using CityPass.Server.Venues;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Server.Stores;

public static class RecordStoresRegistration
{
    /// <summary>
    /// The systems of record: PostgreSQL when ConnectionStrings:Postgres is set, else in memory.
    /// Either way the scan retention worker purges old scan records every hour.
    /// </summary>
    public static IServiceCollection AddRecordStores(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddOptions<PostgresOptions>().Bind(configuration.GetSection(PostgresOptions.Section))
                .Configure(o => o.ConnectionString = connectionString).ValidateOnStart();
            services.AddSingleton<IValidateOptions<PostgresOptions>, PostgresOptionsValidator>();
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
                var source = new NpgsqlDataSourceBuilder(options.ConnectionString);
                source.ConnectionStringBuilder.MaxPoolSize = options.MaxPoolSize;
                // Kept once opened: Npgsql closes the connections a pool has not needed for 5 minutes all in one go, and
                // the backends ending together, and the ones opened again after them, took a core from the scans for a
                // moment (the load runner's soak, docs/performance.md). The bound is budgeted in max_connections anyway.
                source.ConnectionStringBuilder.MinPoolSize = options.MaxPoolSize;
                return source.Build();
            });
            // The migrator runs while the host is starting, before any other hosted service starts or a request is served.
            services.AddSingleton<PostgresMigrator>();
            services.AddHostedService(sp => sp.GetRequiredService<PostgresMigrator>());
            services.AddSingleton<IAuditLog, PostgresAuditLog>();
            services.AddSingleton<ICitizenStore, PostgresCitizenStore>();
            services.AddSingleton<IVenueStore, PostgresVenueStore>();
            services.AddSingleton<IOperatorStore, PostgresOperatorStore>();
            services.AddSingleton<IScanStore, PostgresScanStore>();
            services.AddSingleton<IContactTracingStore, PostgresContactTracingStore>();
            services.AddSingleton<IScanMinuteStore, PostgresScanMinuteStore>();
            services.AddSingleton<PostgresScanMinuteFolder>();
            services.AddHostedService(sp => sp.GetRequiredService<PostgresScanMinuteFolder>());
            services.AddSingleton<ITrustedCityStore, PostgresTrustedCityStore>();
            services.AddSingleton<ICaseStore, PostgresCaseStore>();
            services.AddSingleton<IStatusDraftStore, PostgresStatusDraftStore>();
            services.AddSingleton<IAppealStore, PostgresAppealStore>();
            services.AddSingleton<ITicketStore, PostgresTicketStore>();
            services.AddSingleton<IEstateStore, PostgresEstateStore>();
            services.AddSingleton<IIdentityStore, PostgresIdentityStore>();
            services.AddSingleton<IIssuerKeyStore, PostgresIssuerKeyStore>();
        }
        else
        {
            services.AddSingleton<EmbeddedAuditLog>();
            services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<EmbeddedAuditLog>());
            services.AddSingleton<EmbeddedVenueStore>();
            services.AddSingleton<IVenueStore>(sp => sp.GetRequiredService<EmbeddedVenueStore>());
            services.AddSingleton<ICitizenStore, EmbeddedCitizenStore>();
            services.AddSingleton<IOperatorStore, EmbeddedOperatorStore>();
            services.AddSingleton<EmbeddedScanStore>();
            services.AddSingleton<IScanStore>(sp => sp.GetRequiredService<EmbeddedScanStore>());
            services.AddSingleton<IContactTracingStore>(sp => sp.GetRequiredService<EmbeddedScanStore>());
            services.AddSingleton<IScanMinuteStore>(sp => sp.GetRequiredService<EmbeddedScanStore>());
            services.AddSingleton<ITrustedCityStore, EmbeddedTrustedCityStore>();
            services.AddSingleton<ICaseStore, EmbeddedCaseStore>();
            services.AddSingleton<IStatusDraftStore, EmbeddedStatusDraftStore>();
            services.AddSingleton<IAppealStore, EmbeddedAppealStore>();
            services.AddSingleton<EmbeddedTicketStore>();
            services.AddSingleton<ITicketStore>(sp => sp.GetRequiredService<EmbeddedTicketStore>());
            services.AddSingleton<IEstateStore, EmbeddedEstateStore>();
            services.AddSingleton<IIdentityStore, EmbeddedIdentityStore>();
            services.AddSingleton<IIssuerKeyStore, EmbeddedIssuerKeyStore>();
        }

        // Venues read the gates' clocks under a name of their own, from the scan store that has them.
        services.AddSingleton<IGateClocks>(sp => sp.GetRequiredService<IScanStore>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ScanRetentionOptions>().Bind(configuration.GetSection("Scans")).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<ScanRetentionWorker>();
        return services;
    }
}
