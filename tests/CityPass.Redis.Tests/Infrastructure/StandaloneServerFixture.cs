namespace CityPass.Redis.Tests.Infrastructure;

/// <summary>One redis-server shared by the standalone tests, plus a connected client.</summary>
public sealed class StandaloneServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public RedisClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync();
        Client = await ConnectAsync();
    }

    public Task<RedisClient> ConnectAsync(string extra = "") => RedisClient.ConnectAsync(Server.EndPoint + (extra.Length > 0 ? "," + extra : ""));

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StandaloneCollection : ICollectionFixture<StandaloneServerFixture>
{
    public const string Name = "standalone redis";
}
