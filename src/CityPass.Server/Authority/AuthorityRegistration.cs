namespace CityPass.Server.Authority;

public static class AuthorityRegistration
{
    /// <summary>Status changes, the anomaly guard, four-eyes drafts and their runner, imports. The stores are registered with the other record stores, the options with the others (Hosting).</summary>
    public static IServiceCollection AddAuthority(this IServiceCollection services)
    {
        services.AddSingleton<StatusDraftMetrics>();
        services.AddSingleton<StatusGuard>();
        services.AddSingleton<StatusDraftRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusDraftRunner>());
        services.AddSingleton<StatusDraftService>();
        services.AddSingleton<StatusService>();
        services.AddSingleton<CitizenImportService>();
        return services;
    }
}
