namespace CityPass.Server.Appeals;

public static class AppealRegistration
{
    /// <summary>Appeals. The appeal store itself is registered with the other record stores.</summary>
    public static IServiceCollection AddAppeals(this IServiceCollection services)
    {
        services.AddSingleton<AppealService>();
        return services;
    }
}
