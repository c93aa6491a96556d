namespace CityPass.Server.Tests.Support;

/// <summary>
/// One app for all the tests of a class (an xunit class fixture), for classes whose tests change nothing that another
/// of them looks at: starting an app (host, silo, demo data) is most of a short test's time. A class that shares one
/// must not rely on the order its tests run in.
/// </summary>
public abstract class SharedApp(StoreMode mode) : IAsyncLifetime
{
    public CityPassApp App { get; } = new(mode);

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

public sealed class SharedEmbeddedApp() : SharedApp(StoreMode.Embedded);

public sealed class SharedRedisPostgresApp() : SharedApp(StoreMode.RedisAndPostgres);
