using CityPass.Core.Keys;

namespace CityPass.Server.Keys;

public static class KeysRegistration
{
    /// <summary>
    /// The managed issuer key set and its steps (KeyOptions and the key material are registered by the host). After the
    /// record stores: the first load reads the key store, and its hosted service starts after the migrations.
    /// </summary>
    public static IServiceCollection AddCityPassKeys(this IServiceCollection services)
    {
        services.AddSingleton<IssuerKeyRing>();
        services.AddSingleton<IIssuerKeySource>(sp => sp.GetRequiredService<IssuerKeyRing>());
        services.AddSingleton<IssuerKeyService>();
        services.AddHostedService<KeyRingRefresher>();
        return services;
    }
}
