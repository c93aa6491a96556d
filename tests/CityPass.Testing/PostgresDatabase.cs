using Xunit;

namespace CityPass.Testing;

/// <summary>
/// An xunit class fixture: a fresh, empty database on the shared test cluster, so test classes
/// don't see each other's rows. Use as IClassFixture&lt;PostgresDatabase&gt;.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.Shared;
        ConnectionString = await Server.CreateDatabaseAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
