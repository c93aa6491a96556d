using System.Collections.Concurrent;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Server.Audit;
using CityPass.Server.Citizens;
using CityPass.Server.Keys;
using CityPass.Server.Scans;
using CityPass.Server.Stores;
using CityPass.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CityPass.Cluster.Tests;

/// <summary>
/// Three silos in one process (Orleans' in-process test cluster), each with the server's real stores:
/// PostgreSQL as the system of record and Redis as the hot copy, shared by all three as replicas share them.
/// </summary>
public sealed class CitizenGrainClusterTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private InProcessTestCluster _cluster = null!;
    private string _postgres = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _postgres = await (await PostgresServer.Shared).CreateDatabaseAsync("cluster");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _postgres,
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["Keys:KeySetJson"] = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            // What a citizen's grain needs, as the server registers it: the stores, the keys, the pass issuer.
            host.Services.AddRecordStores(host.Configuration);
            host.Services.AddHotState(host.Configuration);
            host.Services.AddOptions<KeyOptions>().Bind(host.Configuration.GetSection("Keys"));
            host.Services.AddOptions<PassOptions>();
            host.Services.AddSingleton<KeyMaterial>();
            host.Services.AddCityPassKeys();
            host.Services.AddSingleton<CitizenPassIssuer>();
            host.Services.AddSingleton<ActiveCitizens>();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private IServiceProvider Silo => _cluster.Silos[0].SiloHost.Services;

    private async Task<Citizen> NewCitizenAsync()
    {
        var drafts = new[] { new CitizenDraft("CL-" + Guid.NewGuid().ToString("N"), "+86" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999), "欧阳明", Credentials.HealthRecord) };
        return (await Silo.GetRequiredService<ICitizenStore>().UpsertManyAsync(drafts, DateTimeOffset.UtcNow, CancellationToken.None))[0].Citizen;
    }

    [Fact]
    public async Task AHundredConcurrentChangesOfOneCitizenGiveVersionsOneToOneHundredAndOneWithAnAuditRowEach()
    {
        var citizen = await NewCitizenAsync();
        var grain = _cluster.Client.GetGrain<ICitizenGrain>(CitizenGrains.KeyOf(citizen.Id));
        var committed = 0L;
        var stale = new ConcurrentBag<string>();

        var changes = Enumerable.Range(0, 100).Select(async i =>
        {
            var outcome = await grain.ChangeStatusAsync((StatusColour)(i % 3), "contact " + i, "CASE-" + i, "authority:li", "HealthAuthority");
            Assert.Equal(StatusChangeKind.Changed, outcome.Kind);
            InterlockedMax(ref committed, outcome.Citizen!.Status.Version);
        }).ToList();
        // Passes asked for while the changes run: each carries at least every version committed before it was asked for.
        var passes = Task.Run(async () =>
        {
            while (!changes.All(c => c.IsCompleted))
            {
                var before = Interlocked.Read(ref committed);
                var pass = await grain.GetPassAsync();
                if (pass!.Citizen.Status.Version < before) stale.Add($"pass of v{pass.Citizen.Status.Version} after v{before} committed");
            }
        });
        await Task.WhenAll(changes);
        await passes;

        var store = Silo.GetRequiredService<ICitizenStore>();
        Assert.Equal(Enumerable.Range(1, 101).Select(v => (uint)v), (await store.GetStatusHistoryAsync(citizen.Id, CancellationToken.None)).Select(s => s.Version));
        var audit = await Silo.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Subject: "citizen:" + citizen.Id, Limit: 1000), CancellationToken.None);
        Assert.Equal(100, audit.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => "CASE-" + i).Order(), audit.Select(a => a.CaseRef!).Order());
        Assert.Empty(stale);
        Assert.Equal(101u, (await grain.GetPassAsync())!.Citizen.Status.Version);
        Assert.Equal(101u, (await Silo.GetRequiredService<IHotState>().GetCitizenAsync(citizen.Id, CancellationToken.None))!.StatusVersion);
    }

    [Fact]
    public async Task KillingTheSiloThatHoldsACitizenReactivatesItElsewhereFromTheStore()
    {
        var citizen = await NewCitizenAsync();
        var grain = _cluster.Client.GetGrain<ICitizenGrain>(CitizenGrains.KeyOf(citizen.Id));
        Assert.Equal(StatusChangeKind.Changed, (await grain.ChangeStatusAsync(StatusColour.Red, "positive test", "CASE-1", "authority:li", "HealthAuthority")).Kind);
        var host = HostOf(grain);

        await _cluster.KillSiloAsync(host);
        await _cluster.WaitForLivenessToStabilizeAsync(didKill: true);

        var again = await grain.GetAsync();
        Assert.Equal(new CitizenStatus(StatusColour.Red, 2, "positive test", again!.Status.Since), again.Status);
        Assert.NotEqual(host.SiloAddress, HostOf(grain).SiloAddress);
        // And it goes on from the stored version: the next change is version 3.
        Assert.Equal(3u, (await grain.ChangeStatusAsync(StatusColour.Green, "recovered", "CASE-2", "authority:li", "HealthAuthority")).Citizen!.Status.Version);
    }

    private InProcessSiloHandle HostOf(ICitizenGrain grain)
    {
        Assert.True(_cluster.TryGetGrainContext(grain.GetGrainId(), out var context), "the grain is active somewhere");
        return _cluster.GetSiloForAddress(context.Address.SiloAddress!)!;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
