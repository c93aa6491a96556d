using System.Diagnostics;
using System.Globalization;
using CityPass.Testing;

namespace CityPass.Cluster.Tests;

/// <summary>
/// <c>scripts/cluster.sh</c> as a developer runs it: two server processes (the test run's build) as one Orleans
/// cluster behind haproxy, Redis under Sentinel and PostgreSQL, all on loopback, in a folder and on ports of
/// this fixture's own. Brought up once for its test class and taken down (and deleted) after.
/// </summary>
public sealed class ScriptedCluster : IAsyncLifetime
{
    public const int Servers = 2;

    /// <summary>The ports cluster.sh uses above its base (servers, silos, Redis, sentinels, PostgreSQL, stats), and the balancer's just past them.</summary>
    private const int PortsPerCluster = 43;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "citypass-cluster-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int _base = FreePortBlock();
    private readonly string _script = Path.Combine(RepoRoot(), "scripts", "cluster.sh");

    public Uri Balancer => new($"http://127.0.0.1:{(_base + PortsPerCluster - 1).ToString(CultureInfo.InvariantCulture)}/");

    public Uri Server(int i) => new($"http://127.0.0.1:{(_base + i).ToString(CultureInfo.InvariantCulture)}/");

    public string ServerLog(int i) => File.Exists(LogPath(i)) ? File.ReadAllText(LogPath(i)) : "(no log)";

    private string LogPath(int i) => Path.Combine(_dir, "logs", $"server-{i}.log");

    public async Task InitializeAsync() => await RunAsync(TimeSpan.FromMinutes(4), "up");

    public async Task DisposeAsync() => await RunAsync(TimeSpan.FromMinutes(1), "down", "--wipe");

    /// <summary>Runs <c>cluster.sh</c> with this cluster's settings; its output, or an exception with it when it fails.</summary>
    public async Task<string> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["CLUSTER_DIR"] = _dir;
        start.Environment["CLUSTER_SERVERS"] = Servers.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_PORT_BASE"] = _base.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_PORT"] = Balancer.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["CLUSTER_SERVER_DLL"] = BuiltServer.Dll();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cluster.sh {string.Join(' ', arguments)} took over {timeout.TotalSeconds:0} s:\n{await stdout}{await stderr}");
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0) throw new InvalidOperationException($"cluster.sh {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        return output;
    }

    /// <summary>haproxy's view of server <paramref name="i"/> (UP, DOWN, MAINT, ...) as <c>cluster.sh status</c> prints it.</summary>
    public async Task<string> InRotationAsync(int i)
    {
        var status = await RunAsync(TimeSpan.FromSeconds(30), "status");
        var line = status.Split('\n').Single(l => l.StartsWith("haproxy", StringComparison.Ordinal));
        var entry = line.Split(' ').FirstOrDefault(w => w.StartsWith($"s{i}=", StringComparison.Ordinal));
        return entry?[(entry.IndexOf('=', StringComparison.Ordinal) + 1)..] ?? $"(not in: {line})";
    }

    /// <summary>
    /// Waits until every server answers its readiness directly and haproxy has it UP: a server the cluster's failure
    /// detector voted out restarts on its own (its supervisor), and a test that needs both starts once it is back.
    /// Fails with what the servers' supervisors logged, which says whether one exited and with what.
    /// </summary>
    public async Task WholeAsync(TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            for (var i = 1; i <= Servers; i++)
            {
                var server = i;
                await Eventually.TrueAsync(async () =>
                {
                    using var ready = await http.GetAsync(new Uri(Server(server), "health/ready"));
                    return ready.IsSuccessStatusCode && await InRotationAsync(server) == "UP";
                }, deadline, $"server {server} ready and in rotation");
            }
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + SupervisorLines(), e.InnerException);
        }
    }

    /// <summary>The supervisors' lines of every server's log (each start and exit, with its code and time), for a failure's message.</summary>
    private string SupervisorLines() => string.Join('\n', Enumerable.Range(1, Servers)
        .SelectMany(i => ServerLog(i).Split('\n').Where(l => l.StartsWith("--- cluster:", StringComparison.Ordinal))));

    /// <summary>The process id of server <paramref name="i"/>, from <c>cluster.sh env</c>.</summary>
    public async Task<int?> ServerPidAsync(int i)
    {
        var env = await RunAsync(TimeSpan.FromSeconds(30), "env");
        var line = env.Split('\n').Single(l => l.StartsWith($"CLUSTER_SERVER_{i}_PID=", StringComparison.Ordinal));
        return int.TryParse(line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..], out var pid) ? pid : null;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "scripts", "cluster.sh"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("scripts/cluster.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A base port whose whole block is free now (other test projects run beside this one on random ports).</summary>
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 30_000);
            if (Enumerable.Range(candidate, PortsPerCluster).All(LoopbackPorts.IsFree)) return candidate;
        }
        throw new InvalidOperationException("no free block of loopback ports found");
    }
}
