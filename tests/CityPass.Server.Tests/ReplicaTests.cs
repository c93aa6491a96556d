using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;
using CityPass.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CityPass.Server.Tests;

/// <summary>Two replicas of the server on the same Redis and PostgreSQL, as behind a Kubernetes Service.</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task ARevocationOnOneReplicaStopsTheCredentialOnAnotherAtOnce()
    {
        // Far longer than the test: only the pub/sub message can refresh the other replica in time.
        await using var replicas = await Replicas.StartAsync(("Venues:DirectoryMaxAgeSeconds", "600"));
        var (a, b) = (replicas.A, replicas.B);

        var gateOnB = b.Gate("上海图书馆");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await gateOnB.ScanAsync("not a pass")).Status); // authenticated; B's directory is loaded

        var admin = await a.StaffAsync("admin");
        (await admin.DeleteAsync($"/v1/gates/{gateOnB.GateId}/credentials")).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        do
        {
            status = (await gateOnB.ScanAsync("not a pass")).Status;
            if (status == HttpStatusCode.Unauthorized) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        // And a pass issued by one replica scans on the other (same keys, same stores).
        var citizen = await a.SignInCitizenAsync(Phones.ZhangGreen);
        Assert.Equal("allowed", (await b.Gate("瑞金医院").DecideAsync(await citizen.PassTextAsync())).Code);
    }

    [Fact]
    public async Task AnOperatorDeletedOnOneReplicaIsRefusedOnAnotherAtOnce()
    {
        // Far longer than the test: only the pub/sub message can drop the other replica's cached account.
        await using var replicas = await Replicas.StartAsync(("Operators:AccountCacheSeconds", "600"));
        var (a, b) = (replicas.A, replicas.B);

        var libraryOnB = await b.StaffAsync("library");
        Assert.Equal(HttpStatusCode.OK, (await libraryOnB.GetAsync("/v1/venues")).StatusCode); // B has the account cached

        var admin = await a.StaffAsync("admin");
        var id = (await admin.GetFromJsonAsync<JsonElement>("/v1/operators")).EnumerateArray()
            .Single(o => o.GetProperty("username").GetString() == "library").GetProperty("id").GetGuid();
        (await admin.DeleteAsync($"/v1/operators/{id}")).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage response;
        do
        {
            response = await libraryOnB.GetAsync("/v1/venues");
            if (response.StatusCode == HttpStatusCode.Unauthorized) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("token_revoked", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AConsoleSessionOpenedOnOneReplicaWorksOnAnother()
    {
        await using var replicas = await Replicas.StartAsync();
        var onA = await replicas.A.ConsoleAsync("library");
        var onB = replicas.B.NewConsole(onA.Cookies);

        // The key ring is in Redis, where replicas on other machines read it (in one test process both would also find
        // the default key directory in $HOME, so this is what tells a shared ring from a lucky one).
        var ring = await replicas.A.Get<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().ListLengthAsync(CityPass.Server.Stores.HotStateRegistration.DataProtectionKeys);
        Assert.True(ring > 0, "no Data Protection key in Redis");

        var page = await onB.Http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // not a redirect to the sign-in page: B read A's cookie

        // And a form: B's page and antiforgery token, under the cookie A issued; the gate is added as the library operator.
        var response = await onB.PostFormAsync($"/admin/venues/{await replicas.B.VenueIdAsync("上海图书馆")}/gates", "Add", ("name", "East door"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("East door", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await replicas.A.Get<CityPass.Server.Audit.IAuditLog>().QueryAsync(new CityPass.Server.Audit.AuditQuery(Action: "gate.create", Limit: 1), CancellationToken.None);
        Assert.Equal("library", audit.Single().Actor);
    }

    /// <summary>Two apps on fresh Redis + PostgreSQL with the same keys; B shares A's demo data.</summary>
    [Fact]
    public async Task TheReplicasAreOneClusterSoACitizenHasOneGrainAndOnePassBetweenThem()
    {
        await using var replicas = await Replicas.StartAsync();
        var (a, b) = (replicas.A, replicas.B);
        var citizen = await a.SignInCitizenAsync(Phones.ZhangGreen);

        var fromA = await citizen.PassTextAsync();
        var fromB = await new CitizenClient(WithToken(b.CreateClient(), citizen.Http)).PassTextAsync();

        // Separate silos would each have issued their own pass (a new random token id); one grain answers both.
        Assert.Equal(fromA, fromB);
    }

    [Fact]
    public async Task ReplicasWhoseMembershipRowsAreLostStopToRejoinAFreshTable()
    {
        var replicas = await Replicas.StartAsync(("Orleans:MembershipLossJitterSeconds", "0"), ("Orleans:ShutdownSeconds", "2"));
        var (a, b) = (replicas.A, replicas.B);
        var silo = a.Get<CityPass.Server.Cluster.SiloOptions>();
        Assert.False(a.Get<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);

        // The table as the watchdog reads it: a hash under the provider's key with a row per silo named by its address.
        var key = Orleans.Clustering.Redis.RedisClusteringOptions.DefaultCreateRedisKey(
            new Orleans.Configuration.ClusterOptions { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId });
        var redis = a.Get<IConnectionMultiplexer>().GetDatabase();
        foreach (var app in new[] { a, b })
        {
            Assert.True(await redis.HashExistsAsync(key, app.Get<Orleans.Runtime.ILocalSiloDetails>().SiloAddress.ToString()));
        }

        foreach (var app in new[] { a, b })
        {
            var watchdog = app.Services.GetServices<IHostedService>().OfType<CityPass.Server.Cluster.MembershipWatchdog>().Single();
            await Eventually.TrueAsync(() => Task.FromResult(watchdog.Watching), TimeSpan.FromSeconds(20), "the watchdog saw its silo's row");
        }

        // What a Redis that restarted empty leaves: no membership table.
        Assert.True(await redis.KeyDeleteAsync(key));

        foreach (var app in new[] { a, b })
        {
            var stopping = app.Get<IHostApplicationLifetime>().ApplicationStopping;
            await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(20)), Task.Delay(Timeout.Infinite, stopping));
            Assert.True(stopping.IsCancellationRequested, "the replica went on without its membership row");
        }
        // A silo's graceful goodbye writes to the table that is gone: it gives up at the shutdown timeout.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await replicas.DisposeAsync());
    }

    private static HttpClient WithToken(HttpClient http, HttpClient signedIn)
    {
        http.DefaultRequestHeaders.Authorization = signedIn.DefaultRequestHeaders.Authorization;
        return http;
    }

    private sealed class Replicas : IAsyncDisposable
    {
        private readonly string _keys;

        private Replicas(CityPassApp a, CityPassApp b, string keys) => (A, B, _keys) = (a, b, keys);

        public CityPassApp A { get; }

        public CityPassApp B { get; }

        public static async Task<Replicas> StartAsync(params (string Key, string Value)[] extra)
        {
            var (redis, postgres) = await RealServers.NewStoresAsync();
            var keys = Directory.CreateTempSubdirectory("citypass-replicas-").FullName;
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = redis,
                ["ConnectionStrings:Postgres"] = postgres,
                ["Keys:KeyFile"] = Path.Combine(keys, "issuer-keys.json"),
                ["Keys:ServerSecretFile"] = Path.Combine(keys, "server-secret.key"),
                // One cluster: the replicas' silos find each other through the membership table in Redis.
                ["Orleans:ClusterId"] = "replicas-" + Guid.NewGuid().ToString("N"),
            };
            foreach (var (k, v) in extra) settings[k] = v;
            var a = new CityPassApp(StoreMode.RedisAndPostgres, settings);
            await a.InitializeAsync();
            var b = new CityPassApp(StoreMode.RedisAndPostgres, settings) { SharedDemo = a.Demo };
            await b.InitializeAsync();
            return new Replicas(a, b, keys);
        }

        public async ValueTask DisposeAsync()
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
            Directory.Delete(_keys, recursive: true);
        }
    }
}
