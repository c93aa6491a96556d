using CityPass.Core.Keys;
using CityPass.Server.Citizens;
using CityPass.Server.Cluster;
using CityPass.Server.Keys;
using CityPass.Server.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CityPass.Benchmarks;

/// <summary>
/// A silo as the server hosts it (CityPass.Server's own silo setup: localhost clustering, the citizen grain),
/// on the embedded stores and a clock the benchmark moves, so what is measured is the grain and not a database.
/// </summary>
internal sealed class GrainHost : IAsyncDisposable
{
    private GrainHost(IHost host, SteppedClock clock) => (Host, Clock) = (host, clock);

    public IHost Host { get; }

    public SteppedClock Clock { get; }

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public ICitizenStore Citizens => Host.Services.GetRequiredService<ICitizenStore>();

    public static async Task<GrainHost> StartAsync()
    {
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Keys:KeySetJson"] = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, clock.GetUtcNow().AddDays(-1)).ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = "bench-" + Guid.NewGuid().ToString("N"),
        });
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddRecordStores(builder.Configuration);
        builder.Services.AddHotState(builder.Configuration);
        builder.Services.AddOptions<KeyOptions>().Bind(builder.Configuration.GetSection("Keys"));
        builder.Services.AddOptions<PassOptions>();
        builder.Services.AddSingleton<KeyMaterial>();
        builder.AddCityPassSilo();
        var host = builder.Build();
        await host.StartAsync();
        return new GrainHost(host, clock);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A clock that moves only when told: a benchmark moves it past a pass's refresh time to make the grain issue.</summary>
internal sealed class SteppedClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
