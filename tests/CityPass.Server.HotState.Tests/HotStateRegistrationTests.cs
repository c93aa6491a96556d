using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

public sealed class HotStateRegistrationTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        // The hot state archives into and reconciles from the systems of record: the embedded ones here.
        builder.Services.AddRecordStores(builder.Configuration);
        builder.Services.AddHotState(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task WithARedisConnectionStringScansAreArchivedAndCitizensReconciled()
    {
        using var host = Build(new() { ["ConnectionStrings:Redis"] = redis.Server.ConnectionString, ["HotState:ReconcileSeconds"] = "1" });
        var citizens = host.Services.GetRequiredService<ICitizenStore>();
        var created = (await citizens.UpsertManyAsync([new CitizenDraft("reg-1", "+8613900000001", "欧阳明", default)], Passes.Now, CancellationToken.None))[0].Citizen;

        await host.StartAsync();
        try
        {
            var hot = host.Services.GetRequiredService<IHotState>();
            Assert.IsType<RedisHotState>(hot);
            // The reconciler's first pass loads the citizen; then a scan lands in the archive through the stream.
            await Eventually.TrueAsync(async () => await hot.GetCitizenAsync(created.Id, CancellationToken.None) is not null, TimeSpan.FromSeconds(10), "citizen reconciled");
            var outcome = await hot.ScanAsync(Passes.Attempt(Guid.NewGuid(), Passes.Of(created.ToHot())), CancellationToken.None);
            var archive = host.Services.GetRequiredService<IScanStore>();
            await Eventually.TrueAsync(async () => await archive.GetAsync(outcome!.Record.GateId, outcome.Record.ScanId, DateTimeOffset.MinValue, CancellationToken.None) is not null, TimeSpan.FromSeconds(10), "scan archived");
            Assert.Equal(outcome!.Record, await archive.GetAsync(outcome.Record.GateId, outcome.Record.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("9000")]
    public void AFullReconcilePeriodOutsideItsRangeFailsTheBoot(string hours)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { ["ConnectionStrings:Redis"] = redis.Server.ConnectionString, ["HotState:FullReconcileHours"] = hours }));

        Assert.Equal("HotState:FullReconcileHours is above 0 and at most a year.", error.Message);
    }

    [Fact]
    public async Task AMalformedConnectionStringFailsTheBootNamingTheProblem()
    {
        using var host = Build(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:6379,password=hunter2,sslFlavour=strong" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failure = Assert.Single(error.Failures);
        Assert.Contains("ConnectionStrings:Redis", failure, StringComparison.Ordinal);
        Assert.Contains("sslFlavour", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadCertificatePinFailsTheBoot()
    {
        using var host = Build(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:6379,ssl=true", ["Redis:TlsCertificateThumbprint"] = "AB:CD" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("Redis:TlsCertificateThumbprint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingCaFileFailsTheBoot()
    {
        using var host = Build(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:6379,ssl=true", ["Redis:TlsCaCertificateFile"] = "/nonexistent/ca.pem" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("Redis:TlsCaCertificateFile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheServerStartsWhileRedisIsAwayAndConnectsWhenItComes()
    {
        var port = LoopbackPorts.Free();
        using var host = Build(new() { ["ConnectionStrings:Redis"] = $"127.0.0.1:{port},connectTimeout=500" });

        await host.StartAsync();
        try
        {
            var hot = host.Services.GetRequiredService<IHotState>();
            await Assert.ThrowsAsync<RedisConnectionException>(() => hot.GetOccupancyAsync(Guid.NewGuid(), CancellationToken.None));
            await using var redisLater = await RedisServer.StartOnPortAsync(port);
            await Eventually.TrueAsync(async () => await hot.GetOccupancyAsync(Guid.NewGuid(), CancellationToken.None) == 0, TimeSpan.FromSeconds(20), "connected once Redis is up");
            Assert.Same(host.Services.GetRequiredService<IConnectionMultiplexer>(), host.Services.GetRequiredService<IConnectionMultiplexer>());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task TheCertificatePinIsReadFromTheRedisSection()
    {
        using var certificate = await SelfSignedCertificate.CreateAsync();
        var tlsPort = LoopbackPorts.Free();
        await using var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", certificate.CertificateFile, "--tls-key-file", certificate.KeyFile, "--tls-auth-clients", "no");
        using var host = Build(new()
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{tlsPort},ssl=true,sslHost=localhost,{RedisServer.RelaxedTimeout}",
            ["Redis:TlsCertificateThumbprint"] = certificate.Sha256Fingerprint,
        });

        await host.StartAsync();
        try
        {
            Assert.True(host.Services.GetRequiredService<IConnectionMultiplexer>().IsConnected);
            Assert.Equal(0, await host.Services.GetRequiredService<IHotState>().GetOccupancyAsync(Guid.NewGuid(), CancellationToken.None));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void WithoutOneTheHotStateIsInMemory()
    {
        using var host = Build([]);
        Assert.IsType<EmbeddedHotState>(host.Services.GetRequiredService<IHotState>());
    }
}
