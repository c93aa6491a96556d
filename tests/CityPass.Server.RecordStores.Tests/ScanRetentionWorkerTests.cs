using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Server.Stores.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static CityPass.Server.RecordStores.Tests.Samples;

namespace CityPass.Server.RecordStores.Tests;

public sealed class ScanRetentionWorkerTests
{
    [Fact]
    public async Task APurgeRemovesWhatIsOlderThanTheConfiguredRetentionOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider(Now);
        var scans = new EmbeddedScanStore();
        var old = Scan(Now.AddDays(-8));
        var recent = Scan(Now.AddDays(-6));
        await scans.InsertAsync([old, recent], CancellationToken.None);
        var worker = new ScanRetentionWorker(scans, Options.Create(new ScanRetentionOptions { RetentionDays = 7 }), clock, NullLogger<ScanRetentionWorker>.Instance);

        Assert.Equal(1, await worker.PurgeOnceAsync(CancellationToken.None));
        Assert.Null(await scans.GetAsync(old.GateId, old.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
        Assert.NotNull(await scans.GetAsync(recent.GateId, recent.ScanId, DateTimeOffset.MinValue, CancellationToken.None));

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await worker.PurgeOnceAsync(CancellationToken.None));
        Assert.Equal(0, await scans.CountAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task TheHostedWorkerPurgesAsSoonAsTheHostStartsWithTheDefaultThirtyDays()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        builder.Services.AddRecordStores(builder.Configuration);
        using var host = builder.Build();
        var scans = host.Services.GetRequiredService<IScanStore>();
        var expired = Scan(Now.AddDays(-31));
        var kept = Scan(Now.AddDays(-29));
        await scans.InsertAsync([expired, kept], CancellationToken.None);

        await host.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await scans.CountAsync(null, CancellationToken.None) > 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await host.StopAsync();

        Assert.Null(await scans.GetAsync(expired.GateId, expired.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
        Assert.NotNull(await scans.GetAsync(kept.GateId, kept.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
    }
}
