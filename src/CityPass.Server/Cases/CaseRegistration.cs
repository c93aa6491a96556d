namespace CityPass.Server.Cases;

public static class CaseRegistration
{
    /// <summary>Cases and the status rule that needs them. The case store itself is registered with the other record stores.</summary>
    public static IServiceCollection AddCases(this IServiceCollection services)
    {
        services.AddSingleton<CaseService>();
        services.AddSingleton<StatusCaseRule>();
        return services;
    }
}
