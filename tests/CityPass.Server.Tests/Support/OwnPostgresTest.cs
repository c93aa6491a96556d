using CityPass.Testing;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// A test class with a PostgreSQL cluster of its own (the shared one is never stopped) under an app on real Redis and
/// that cluster: for tests that stop PostgreSQL under a running server.
/// </summary>
public abstract class OwnPostgresTest(string databasePrefix) : IAsyncLifetime
{
    protected PostgresServer Postgres { get; private set; } = null!;

    protected CityPassApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        App = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = await RealServers.NewRedisDatabaseAsync(),
            ["ConnectionStrings:Postgres"] = await Postgres.CreateDatabaseAsync(databasePrefix),
        });
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
