using System.Security.Cryptography;
using CityPass.Core.Keys;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// What every run stands on: redis-server and PostgreSQL on loopback, the runner's SMS inbox, the
/// city's key set and server secret the runner made (so it can mint passes), and one server process
/// on them. The server can be replaced by another build on the same stores and data, which is how an
/// A/B comparison measures two builds alike; and replicas of it can join it (more processes of the same
/// build on the same stores, each with its own HTTP and silo port), which is how the grain run measures
/// one Orleans cluster of several processes.
/// </summary>
public sealed class LoadTestRig : IAsyncDisposable
{
    private readonly string _tmp;
    private readonly IReadOnlyDictionary<string, string> _serverSettings;
    private readonly List<ServerProcess> _replicas = [];
    private string _serverDll = "";

    private LoadTestRig(string tmp, IReadOnlyDictionary<string, string> serverSettings, LocalRedis redis, LocalPostgres postgres, SmsInbox sms,
        IssuerKeySet keys, string serverSecret, ConnectionMultiplexer multiplexer)
    {
        _tmp = tmp;
        _serverSettings = serverSettings;
        Redis = redis;
        Postgres = postgres;
        Sms = sms;
        Keys = keys;
        ServerSecret = serverSecret;
        Multiplexer = multiplexer;
    }

    public LocalRedis Redis { get; }

    public LocalPostgres Postgres { get; }

    public SmsInbox Sms { get; }

    public IssuerKeySet Keys { get; }

    public string ServerSecret { get; }

    /// <summary>The runner's own connection, for the archive backlog and check.</summary>
    public ConnectionMultiplexer Multiplexer { get; }

    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The server and its replicas, the first server first.</summary>
    public IReadOnlyList<ServerProcess> Servers => [Server, .. _replicas];

    public static async Task<LoadTestRig> StartAsync(string tmp, bool redisAppendOnly, string serverDll, IReadOnlyDictionary<string, string> serverSettings,
        Action<string> say, IReadOnlyDictionary<string, string>? redisSettings = null, IReadOnlyDictionary<string, string>? postgresSettings = null)
    {
        var (keys, serverSecret) = NewCityKeys();

        say("Starting redis-server and PostgreSQL on loopback");
        var redis = await LocalRedis.StartAsync(tmp, redisAppendOnly, redisSettings);
        var postgres = await LocalPostgres.StartAsync(postgresSettings);
        // The server runs as production does, so its one-time codes go out through its real SMS gateway adapter: to this inbox.
        var sms = await SmsInbox.StartAsync();
        // Admin mode: the A/B comparison asks for INFO and BGREWRITEAOF.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var rig = new LoadTestRig(tmp, serverSettings, redis, postgres, sms, keys, serverSecret, multiplexer);
        say($"Starting the server (Release, production stores): redis {redis.ConnectionString}, postgres 127.0.0.1:{postgres.Port}");
        rig._serverDll = serverDll;
        rig.Server = await rig.StartServerAsync(serverDll, "server.log", new Dictionary<string, string>());
        return rig;
    }

    /// <summary>An issuer key set and server secret of the runner's own, given to the servers inline, so the runner can mint passes they accept.</summary>
    public static (IssuerKeySet Keys, string ServerSecret) NewCityKeys()
    {
        var issuer = IssuerId.TryParse("310000", out var id) ? id : throw new InvalidOperationException();
        return (IssuerKeySet.Generate(issuer, SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>Stops the running server and starts <paramref name="serverDll"/> on the same stores, keys and data (not seeded again).</summary>
    public async Task ReplaceServerAsync(string serverDll, string logName)
    {
        await Server.DisposeAsync();
        _serverDll = serverDll;
        Server = await StartServerAsync(serverDll, logName, new Dictionary<string, string> { ["Demo__Seed"] = "false" });
    }

    /// <summary>
    /// Starts the server again on the same ports, stores and data, as an orchestrator restarts a process that
    /// ended; stops it first if it is still running. The fault run does this when the server stops itself.
    /// </summary>
    public async Task RestartServerAsync(string logName)
    {
        var ports = (Server.Port, Server.SiloPort);
        await Server.DisposeAsync();
        Server = await StartServerAsync(_serverDll, logName, new Dictionary<string, string> { ["Demo__Seed"] = "false" }, ports);
    }

    /// <summary>
    /// Starts one more process of the server's build on the same stores, keys, settings and data. With the
    /// Redis store its silo joins the server's through the membership table in Redis, as a replica of a
    /// deployment does: the same Orleans:ClusterId (from the rig's settings), its own silo and HTTP ports.
    /// </summary>
    public async Task<ServerProcess> AddReplicaAsync(string logName)
    {
        var replica = await StartServerAsync(_serverDll, logName, new Dictionary<string, string> { ["Demo__Seed"] = "false" });
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>A process that only archives, beside a server that does not (<c>HotState__Archive=false</c>): see <see cref="StartArchiverAsync"/>.</summary>
    public ServerProcess? Archiver { get; private set; }

    /// <summary>
    /// Starts (or replaces) a process of <paramref name="serverDll"/> on the same stores, keys and data that archives and
    /// gets no requests, so its CPU is the archiver's share of a server process. It is a silo of its own cluster: the
    /// citizens' grains stay on the server's.
    /// </summary>
    public async Task<ServerProcess> StartArchiverAsync(string serverDll, string logName)
    {
        if (Archiver is not null) await Archiver.DisposeAsync();
        Archiver = await StartServerAsync(serverDll, logName,
            new Dictionary<string, string> { ["Demo__Seed"] = "false", ["HotState__Archive"] = "true", ["Orleans__ClusterId"] = "loadtest-archiver" });
        return Archiver;
    }

    /// <summary>Stops the replicas (gracefully: their silos leave the cluster), leaving the server.</summary>
    public async Task StopReplicasAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        _replicas.Clear();
    }

    private Task<ServerProcess> StartServerAsync(string serverDll, string logName, IReadOnlyDictionary<string, string> extra, (int, int)? ports = null) =>
        ServerProcess.StartAsync(serverDll, Redis.ConnectionString, Postgres.ConnectionString(), Keys.ToPrivateJson(), ServerSecret, Sms,
            Path.Combine(_tmp, logName), _serverSettings.Concat(extra).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value), ports);

    public async ValueTask DisposeAsync()
    {
        await StopReplicasAsync();
        if (Archiver is not null) await Archiver.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
        await Multiplexer.DisposeAsync();
        await Sms.DisposeAsync();
        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
