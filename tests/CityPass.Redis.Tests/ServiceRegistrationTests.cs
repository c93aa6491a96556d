using CityPass.Redis.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CityPass.Redis.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class ServiceRegistrationTests(StandaloneServerFixture redis)
{
    [Fact]
    public async Task HostStartsWithAConnectedClient()
    {
        using var host = BuildHost(new() { ["Redis:ConnectionString"] = redis.Server.EndPoint, ["Redis:CommandTimeout"] = "00:00:02" });

        await host.StartAsync();

        var client = host.Services.GetRequiredService<RedisClient>();
        Assert.Equal(TimeSpan.FromSeconds(2), client.Options.CommandTimeout);
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).AsString());
        await host.StopAsync();
    }

    [Fact]
    public async Task InvalidOptionsStopTheHostAtStartUp()
    {
        using var host = BuildHost(new() { ["Redis:ConnectionString"] = "127.0.0.1:notaport", ["Redis:Protocol"] = "7" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("notaport", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Protocol", StringComparison.Ordinal));
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddRedisClient(builder.Configuration.GetSection("Redis"));
        return builder.Build();
    }
}
