namespace CityPass.Server.Identify;

public static class IdentifyRegistration
{
    /// <summary>Scan-to-identify and the disclosure log's retention. The identity store itself is registered with the other record stores.</summary>
    public static IServiceCollection AddIdentify(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdentifyOptions>().Bind(configuration.GetSection(IdentifyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IdentifyService>();
        services.AddHostedService<DisclosureRetentionWorker>();
        return services;
    }
}
