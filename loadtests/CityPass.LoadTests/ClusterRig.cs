using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CityPass.Core.Keys;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// What <c>scripts/cluster.sh env</c> says: the balancer's and each server's address, and the pids the CPU meter reads.
/// A server that is stopped (or between a kill and its supervisor's restart) has no pid.
/// </summary>
public sealed record ClusterEnv(
    Uri Balancer, IReadOnlyList<Uri> Servers, IReadOnlyList<int?> ServerPids, string Redis, IReadOnlyList<int> RedisPorts, IReadOnlyList<int?> RedisPids,
    int? RedisPrimaryPort, IReadOnlyList<int?> SentinelPids, string Postgres, int? PostgresPid, int? HaproxyPid)
{
    /// <summary>The Redis node (1-based) the sentinels name primary; null while none does.</summary>
    public int? PrimaryNode => RedisPrimaryPort is { } port && RedisPorts.ToList().IndexOf(port) is >= 0 and var i ? i + 1 : null;

    public static ClusterEnv Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.Ordinal);
        string Get(string key) => values.TryGetValue(key, out var v) ? v : throw new InvalidOperationException($"cluster.sh env did not say {key}.");
        int? Pid(string key) => values.TryGetValue(key, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        var servers = int.Parse(Get("CLUSTER_SERVERS"), CultureInfo.InvariantCulture);
        var nodes = Enumerable.Range(1, 3).ToList();
        return new ClusterEnv(
            new Uri(Get("CLUSTER_BALANCER_URL")),
            [.. Enumerable.Range(1, servers).Select(i => new Uri(Get($"CLUSTER_SERVER_{i}_URL")))],
            [.. Enumerable.Range(1, servers).Select(i => Pid($"CLUSTER_SERVER_{i}_PID"))],
            Get("CLUSTER_REDIS"),
            [.. nodes.Select(n => int.Parse(Get($"CLUSTER_REDIS_{n}_PORT"), CultureInfo.InvariantCulture))],
            [.. nodes.Select(n => Pid($"CLUSTER_REDIS_{n}_PID"))],
            Pid("CLUSTER_REDIS_PRIMARY_PORT"),
            [.. nodes.Select(n => Pid($"CLUSTER_SENTINEL_{n}_PID"))],
            Get("CLUSTER_POSTGRES"), Pid("CLUSTER_POSTGRES_PID"), Pid("CLUSTER_HAPROXY_PID"));
    }
}

/// <summary>
/// A cluster brought up by <c>scripts/cluster.sh</c> for the cluster run, in a directory of the run's own (its tmp/),
/// on a free balancer port and a port base nothing listens on, running the Release server the other runs use. The
/// servers get what the one-server rig gives its server (<see cref="ServerProcess.Overrides"/>, the SMS inbox's
/// settings, the runner's key set and server secret inline): cluster.sh hands every <c>X__Y</c> and ASPNETCORE_/DOTNET_
/// variable of <c>up</c>'s environment to the servers, and keeps them for later starts. Disposing runs <c>cluster.sh down</c>.
/// </summary>
public sealed class ClusterRig : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _directory;
    private readonly Dictionary<string, string> _environment;
    private bool _down;

    private ClusterRig(string script, string directory, Dictionary<string, string> environment, SmsInbox sms, IssuerKeySet keys, string serverSecret)
    {
        (_script, _directory, _environment) = (script, directory, environment);
        (Sms, Keys, ServerSecret) = (sms, keys, serverSecret);
    }

    public SmsInbox Sms { get; }

    public IssuerKeySet Keys { get; }

    public string ServerSecret { get; }

    /// <summary>The runner's own connection through the sentinels (it follows a failover), for the archive backlog and check.</summary>
    public ConnectionMultiplexer Multiplexer { get; private set; } = null!;

    /// <summary>The addresses and pids as of <c>up</c>; <see cref="EnvAsync"/> reads them again (pids change with every restart).</summary>
    public ClusterEnv Env { get; private set; } = null!;

    /// <summary>Where cluster.sh keeps the servers' logs (<c>server-I.log</c>, every start of server I appended).</summary>
    public string LogDirectory => Path.Combine(_directory, "logs");

    /// <summary>haproxy's admin socket: its view of each server.</summary>
    public string HaproxySocket => Path.Combine(_directory, "run", "haproxy.sock");

    public static async Task<ClusterRig> UpAsync(string repoRoot, string directory, string serverDll, int servers, IReadOnlyDictionary<string, string> serverSettings,
        Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(serverSettings);
        var (keys, serverSecret) = LoadTestRig.NewCityKeys();
        var sms = await SmsInbox.StartAsync();
        var balancer = Processes.FreeLoopbackPort();
        var portBase = FreePortBase(balancer);
        var environment = new Dictionary<string, string>(ServerProcess.Overrides.Concat(sms.ServerSettings).Concat(serverSettings)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value))
        {
            // cluster.sh saves the servers' settings as one shell line each: the key set on one line, not indented.
            ["Keys__KeySetJson"] = JsonNode.Parse(keys.ToPrivateJson())!.ToJsonString(),
            ["Keys__ServerSecret"] = serverSecret,
            ["CLUSTER_DIR"] = directory,
            ["CLUSTER_PORT"] = balancer.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SERVERS"] = servers.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SERVER_DLL"] = serverDll,
        };
        var rig = new ClusterRig(Snapshot(repoRoot, directory + "-sh"), directory, environment, sms, keys, serverSecret);
        try
        {
            say($"scripts/cluster.sh up: {servers} servers behind haproxy on :{balancer}, Redis under 3 sentinels, PostgreSQL (ports from {portBase}; {directory})");
            await rig.RunAsync(TimeSpan.FromMinutes(5), "up");
            rig.Env = await rig.EnvAsync();
            rig.Multiplexer = await ConnectionMultiplexer.ConnectAsync(rig.Env.Redis);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>A drill or query (<c>kill 2</c>, <c>rolling</c>, <c>env</c>, ...); its standard output. Fails when cluster.sh does.</summary>
    public Task<string> RunAsync(params string[] args) => RunAsync(TimeSpan.FromMinutes(3), args);

    private async Task<string> RunAsync(TimeSpan timeout, params string[] args)
    {
        var o = await Processes.RunAsync("bash", [_script, .. args], timeout, _environment);
        await File.AppendAllTextAsync(Path.Combine(_directory, "cluster-sh.log"), $"--- cluster.sh {string.Join(' ', args)} ({o.ExitCode})\n{o.StandardOutput}{o.StandardError}");
        if (o.ExitCode != 0) throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} exited with {o.ExitCode}: {o.StandardError.Trim()}");
        return o.StandardOutput;
    }

    public async Task<ClusterEnv> EnvAsync() => Env = ClusterEnv.Parse(await RunAsync("env"));

    /// <summary>
    /// haproxy's state of each server ("s1" -> "UP", "DOWN", "MAINT", ...), from <c>show stat</c> on its admin socket;
    /// empty when haproxy does not answer.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> BalancerStatesAsync()
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(HaproxySocket), timeout.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync("show stat\n"u8.ToArray(), timeout.Token);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(timeout.Token);
            // CSV: pxname, svname, ..., status is the 18th field.
            return text.Split('\n').Select(l => l.Split(',')).Where(f => f.Length > 17 && f[0] == "servers" && f[1].StartsWith('s') && f[1] != "servers")
                .Where(f => f[1].Length > 1 && char.IsAsciiDigit(f[1][1])).ToDictionary(f => f[1], f => f[17], StringComparer.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <summary>
    /// A copy of scripts/cluster.sh (and the install-deps.sh it calls) as it was when the run started, in a tree of its own
    /// whose src/ is the repository's: bash reads a script as it runs it, so an edit of scripts/cluster.sh in the working
    /// tree during a run (another engineer works on scripts/) would otherwise break a drill half way. Its path.
    /// </summary>
    private static string Snapshot(string repoRoot, string directory)
    {
        var scripts = Path.Combine(directory, "scripts");
        Directory.CreateDirectory(scripts);
        foreach (var file in new[] { "cluster.sh", "install-deps.sh" }) File.Copy(Path.Combine(repoRoot, "scripts", file), Path.Combine(scripts, file), overwrite: true);
        // cluster.sh runs the servers with src/CityPass.Server as their content root (the console's node_modules).
        var src = Path.Combine(directory, "src");
        if (!Directory.Exists(src)) Directory.CreateSymbolicLink(src, Path.Combine(repoRoot, "src"));
        return Path.Combine(scripts, "cluster.sh");
    }

    /// <summary>
    /// A port base for cluster.sh (it uses BASE+1 to BASE+41) whose ports are all free now, away from the ephemeral
    /// range the kernel hands out (32768-60999), so an outgoing connection can't take one of them later.
    /// </summary>
    private static int FreePortBase(int balancer)
    {
        for (var candidate = 20_000; candidate < 32_000; candidate += 100)
        {
            if (balancer > candidate && balancer <= candidate + 41) continue;
            if (Enumerable.Range(candidate + 1, 41).All(IsFree)) return candidate;
        }
        throw new InvalidOperationException("No free block of 41 ports between 20000 and 32000 for the cluster.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(System.Net.IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Also when the run failed half way: nothing of the cluster may outlive the run.
        if (!_down)
        {
            _down = true;
            try
            {
                await RunAsync(TimeSpan.FromMinutes(2), "down");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                LoadTestRun.Say($"cluster.sh down failed: {e.Message}");
            }
        }
        if (Multiplexer is not null) await Multiplexer.DisposeAsync();
        await Sms.DisposeAsync();
    }
}
