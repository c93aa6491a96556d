namespace CityPass.Server.Dashboard;

public static class DashboardRegistration
{
    /// <summary>The city dashboard. Its roll-ups are written by the scan store and registered with the record stores.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<DashboardService>();
        return services;
    }
}
