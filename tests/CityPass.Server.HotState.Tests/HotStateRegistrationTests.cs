using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
            await Eventually.TrueAsync(async () => await archive.GetAsync(outcome!.Record.GateId, outcome.Record.ScanId, CancellationToken.None) is not null, TimeSpan.FromSeconds(10), "scan archived");
            Assert.Equal(outcome!.Record, await archive.GetAsync(outcome.Record.GateId, outcome.Record.ScanId, CancellationToken.None));
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
