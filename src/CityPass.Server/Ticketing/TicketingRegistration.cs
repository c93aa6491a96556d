namespace CityPass.Server.Ticketing;

public static class TicketingRegistration
{
    /// <summary>Ticketing. The ticket store itself is registered with the other record stores.</summary>
    public static IServiceCollection AddTicketing(this IServiceCollection services)
    {
        services.AddSingleton<TicketingService>();
        return services;
    }
}
