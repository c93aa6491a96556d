using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Postgres;
using CityPass.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>AddRecordStores as the host sees it: which stores, and what stops the boot.</summary>
public sealed class RegistrationTests
{
    private static IHost BuildHost(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddRecordStores(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task WithoutAConnectionStringTheEmbeddedStoresServe()
    {
        using var host = BuildHost();
        await host.StartAsync();

        Assert.IsType<EmbeddedCitizenStore>(host.Services.GetRequiredService<ICitizenStore>());
        Assert.IsType<EmbeddedScanStore>(host.Services.GetRequiredService<IScanStore>());
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is ScanRetentionWorker);
        await host.StopAsync();
    }

    [Fact]
    public async Task WithAConnectionStringTheHostMigratesBeforeItStartsAndUsesPostgres()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("boot");
        using var host = BuildHost(("ConnectionStrings:Postgres", connectionString));

        await host.StartAsync();

        var citizens = Assert.IsType<PostgresCitizenStore>(host.Services.GetRequiredService<ICitizenStore>());
        Assert.Equal(UpsertOutcome.Created, (await citizens.UpsertManyAsync([Draft("boot")], Now, CancellationToken.None))[0].Outcome);
        Assert.Empty(await host.Services.GetRequiredService<PostgresMigrator>().MigrateAsync(CancellationToken.None));
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is ScanRetentionWorker);
        await host.StopAsync();
    }

    [Fact]
    public async Task AServerThatDoesNotAnswerStopsTheBootWithAClearMessage()
    {
        var port = LoopbackPorts.Free();
        using var host = BuildHost(("ConnectionStrings:Postgres", $"Host=127.0.0.1;Port={port};Database=citypass;Username=citypass;Timeout=3"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains($"Cannot connect to PostgreSQL at 127.0.0.1:{port}, database 'citypass'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedConnectionStringStopsTheBoot()
    {
        using var host = BuildHost(("ConnectionStrings:Postgres", "Hots=127.0.0.1;Database=citypass"));

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ConnectionStrings:Postgres is not a valid Npgsql connection string", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServerHoldsNoMoreConnectionsThanPostgresMaxPoolSize()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("pool");
        using var host = BuildHost(("ConnectionStrings:Postgres", connectionString), ("Postgres:MaxPoolSize", "2"));
        await host.StartAsync();
        var source = host.Services.GetRequiredService<NpgsqlDataSource>();

        await using var first = await source.OpenConnectionAsync();
        await using var second = await source.OpenConnectionAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        // A third waits for one of the two to come back, here until it gives up: no third backend is started.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await source.OpenConnectionAsync(wait.Token));

        await host.StopAsync();
    }

    [Fact]
    public async Task WithoutTheSettingThePoolIsBoundedBelowNpgsqlsOwnDefaultAndKeepsItsConnections()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("pool-default");
        using var host = BuildHost(("ConnectionStrings:Postgres", connectionString));
        await host.StartAsync();

        var pool = new NpgsqlConnectionStringBuilder(host.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.Equal(PostgresOptions.DefaultMaxPoolSize, pool.MaxPoolSize);
        Assert.True(pool.MaxPoolSize < new NpgsqlConnectionStringBuilder().MaxPoolSize);
        // Its connections are kept once opened, never pruned together.
        Assert.Equal(pool.MaxPoolSize, pool.MinPoolSize);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Maximum Pool Size=50")]
    [InlineData("MaxPoolSize=50")]
    [InlineData("maximum pool size=50")]
    [InlineData("Minimum Pool Size=5")]
    public async Task APoolSizeInTheConnectionStringStopsTheBoot(string size)
    {
        using var host = BuildHost(("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=citypass;" + size));

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Pool Size; set Postgres:MaxPoolSize instead", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    public async Task APoolBoundOutsideOneToAThousandStopsTheBoot(string size)
    {
        using var host = BuildHost(("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=citypass"), ("Postgres:MaxPoolSize", size));

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Postgres:MaxPoolSize is between 1 and 1000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3651")]
    public async Task ARetentionOutsideOneToThreeThousandSixHundredFiftyDaysStopsTheBoot(string days)
    {
        using var host = BuildHost(("Scans:RetentionDays", days));

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("RetentionDays", e.Message, StringComparison.Ordinal);
    }
}
