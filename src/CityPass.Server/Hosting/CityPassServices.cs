using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Appeals;
using CityPass.Server.Auth;
using CityPass.Server.Authority;
using CityPass.Server.Cases;
using CityPass.Server.Dashboard;
using CityPass.Server.Citizens;
using CityPass.Server.Estates;
using CityPass.Server.Federation;
using CityPass.Server.Gates;
using CityPass.Server.Health;
using CityPass.Server.Identify;
using CityPass.Server.Keys;
using CityPass.Server.OpenApi;
using CityPass.Server.Operators;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;
using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Server.Ticketing;
using CityPass.Server.Tracing;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Hosting;

public static class CityPassServices
{
    /// <summary>True when no store is configured: in-process stores, generated keys, demo data.</summary>
    public static bool IsEmbedded(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres")) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis"));

    public static IServiceCollection AddCityPass(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var embedded = IsEmbedded(configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<KeyOptions>(configuration.GetSection("Keys"), o => o.Validate())
            .PostConfigure(o => o.GenerateIfMissing |= embedded || environment.IsDevelopment());
        services.AddValidatedOptions<PassOptions>(configuration.GetSection("Passes"), o => o.Validate());
        services.AddValidatedOptions<FederationOptions>(configuration.GetSection("Federation"), o => o.Validate())
            .PostConfigure(o => o.GenerateIfMissing |= embedded || environment.IsDevelopment());
        services.AddSingleton<KeyMaterial>();
        services.AddSingleton(sp =>
        {
            var passes = sp.GetRequiredService<IOptions<PassOptions>>().Value;
            // Other cities' keys as the federation refreshes them; this city's own passes are checked by MAC, with the
            // key set in use now (staff may change it at run time).
            return new PassVerifier(sp.GetRequiredService<FederatedTrust>(), sp.GetRequiredService<TimeProvider>(),
                new PassVerifierOptions
                {
                    ClockSkew = TimeSpan.FromSeconds(passes.ClockSkewSeconds),
                    AcceptV1Until = passes.V1AcceptedUntil,
                },
                sp.GetRequiredService<IIssuerKeySource>());
        });

        services.AddRecordStores(configuration);
        services.AddCityPassKeys();
        services.AddHotState(configuration);
        services.AddCityPassFederation();
        services.AddValidatedOptions<GateBundleOptions>(configuration.GetSection("Gates"), o => o.Validate());
        services.AddSingleton<GateBundleService>();
        services.AddSingleton<GateJournalMetrics>();
        services.AddSingleton<GateJournalService>();

        services.TryAddSingleton<GateDirectory>();
        services.AddGateAuthentication();
        services.AddSingleton<ScanMetrics>();
        services.AddValidatedOptions<ScanOptions>(configuration.GetSection("Scans"), o => o.Validate());
        services.AddSingleton<ScanService>();
        services.AddSingleton<CitizenSignIn>();
        services.AddSingleton<VenueService>();
        services.AddSingleton<IPresenceKeeping, PresenceKeeper>();
        services.AddSingleton<ScanLogService>();
        services.AddCases();
        services.AddValidatedOptions<StatusDraftOptions>(configuration.GetSection("StatusDrafts"), o => o.Validate());
        services.AddAuthority();
        services.AddAppeals();
        services.AddTicketing();
        services.AddEstates(configuration);
        services.AddIdentify(configuration);
        services.AddDashboard();
        services.AddValidatedOptions<TracingOptions>(configuration.GetSection(TracingOptions.Section), o => o.Validate());
        services.AddContactTracing();
        // PBKDF2 with the framework's defaults (PasswordHasherOptions): the iteration count is not configuration.
        services.TryAddSingleton<IPasswordHasher<Operator>, PasswordHasher<Operator>>();
        services.AddSingleton<OperatorService>();
        services.TryAddSingleton<OperatorCache>();
        services.AddStaffTokenRevocation();
        services.AddSmsSender(configuration, embedded || environment.IsDevelopment());

        services.AddSingleton(sp => new SignInKey(sp.GetRequiredService<KeyMaterial>().JwtKey));
        services.AddCityPassAuth();
        services.AddCityPassRateLimits(configuration);
        services.AddCityPassHealth();
        services.AddCityPassProblems();
        services.AddCityPassTelemetry(configuration);
        services.AddCityPassOpenApi();
        return services;
    }

    /// <summary>
    /// A configured gateway always sends. Without one, only the embedded default and Development get the
    /// development sender (and its outbox route); anywhere else resolving the sender fails the boot
    /// (Program.cs resolves it at start), since codes could otherwise be read by anyone.
    /// </summary>
    private static void AddSmsSender(this IServiceCollection services, IConfiguration configuration, bool developmentSenderAllowed)
    {
        var section = configuration.GetSection(SmsGatewayOptions.Section);
        services.AddValidatedOptions<SmsGatewayOptions>(section, o => o.Validate());
        // The client's own logging is off: it would log the gateway URL on every message; HttpSmsGateway logs what is safe.
        services.AddHttpClient(HttpSmsGateway.HttpClientName).RemoveAllLoggers();
        if (!string.IsNullOrWhiteSpace(section["Url"]))
        {
            services.TryAddSingleton<ISmsSender, HttpSmsGateway>();
        }
        else if (developmentSenderAllowed)
        {
            services.TryAddSingleton<DevelopmentSmsSender>();
            services.TryAddSingleton<ISmsSender>(sp => sp.GetRequiredService<DevelopmentSmsSender>());
        }
        else
        {
            services.TryAddSingleton<ISmsSender>(_ => throw new InvalidOperationException(HttpSmsGateway.NotConfigured));
        }
    }
}
