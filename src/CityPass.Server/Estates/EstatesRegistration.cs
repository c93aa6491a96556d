namespace CityPass.Server.Estates;

public static class EstatesRegistration
{
    /// <summary>Housing estates and the visitor trail's retention. The estate store itself is registered with the other record stores.</summary>
    public static IServiceCollection AddEstates(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EstateOptions>().Bind(configuration.GetSection(EstateOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EstateService>();
        services.AddHostedService<VisitRetentionWorker>();
        return services;
    }
}
