namespace CityPass.Server.Tracing;

public static class TracingRegistration
{
    /// <summary>Contact tracing. Its settings (section "Tracing", <see cref="TracingOptions"/>) are bound and validated by the host; its store is registered with the other record stores.</summary>
    public static IServiceCollection AddContactTracing(this IServiceCollection services)
    {
        services.AddSingleton<TracingService>();
        return services;
    }
}
