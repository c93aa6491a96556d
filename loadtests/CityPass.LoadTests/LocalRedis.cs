using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// A redis-server of the runner's own on a free loopback port, configured as production runs it (append-only file,
/// fsync every second, no fsync while a rewrite runs, a rewrite at five times the last, no snapshots:
/// k8s/base/redis-scripts.yaml), in a temp
/// directory that goes with it. The fault run kills it
/// and starts it again on the same port and directory: with what its append-only file had, or empty.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    /// <summary>Redis's latency monitor records a blocked main thread from this long (see <see cref="RedisLatencyEvent"/>).</summary>
    public const int LatencyThresholdMs = 20;

    private readonly string _workDirectory;
    private readonly string _directory;
    private readonly bool _appendOnly;
    private readonly IReadOnlyDictionary<string, string> _settings;
    // None between a kill and the start after it.
    private ChildProcess? _process;

    private LocalRedis(string workDirectory, string directory, int port, bool appendOnly, IReadOnlyDictionary<string, string>? settings)
    {
        _settings = settings ?? new Dictionary<string, string>();
        _workDirectory = workDirectory;
        _directory = directory;
        Port = port;
        _appendOnly = appendOnly;
    }

    public int Port { get; }

    /// <summary>The running redis-server's pid (a new one after a restart).</summary>
    public int ProcessId => _process?.Id ?? 0;

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <param name="settings">redis-server settings over production's, for an experiment (name without the dashes, value).</param>
    public static async Task<LocalRedis> StartAsync(string workDirectory, bool appendOnly = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(workDirectory, "redis");
        Directory.CreateDirectory(directory);
        var redis = new LocalRedis(workDirectory, directory, Processes.FreeLoopbackPort(), appendOnly, settings);
        try
        {
            await redis.LaunchAsync();
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crash: no shutdown save, no goodbye to clients; what it keeps is what its append-only file had.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } running) return;
        running.Process.Kill();
        await running.Process.WaitForExitAsync();
        running.Dispose();
        _process = null;
    }

    /// <summary>
    /// Starts it again on the same port and directory, and returns once it answers PING (after loading its
    /// append-only file). <paramref name="empty"/>: the directory's data files are removed first, as if it came
    /// back on a new disk or failed over to a replica that had nothing.
    /// </summary>
    public async Task StartAgainAsync(bool empty)
    {
        if (empty)
        {
            foreach (var file in Directory.GetFiles(_directory)) File.Delete(file);
            foreach (var dir in Directory.GetDirectories(_directory)) Directory.Delete(dir, recursive: true);
        }
        await LaunchAsync();
    }

    private async Task LaunchAsync()
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var process = _process = new ChildProcess("redis-server",
            ["--port", port, "--bind", "127.0.0.1", "--dir", _directory, "--appendonly", _appendOnly ? "yes" : "no",
             "--appendfsync", "everysec", "--no-appendfsync-on-rewrite", "yes", "--auto-aof-rewrite-percentage", "400", "--save", "",
             "--protected-mode", "yes", "--latency-monitor-threshold", LatencyThresholdMs.ToString(CultureInfo.InvariantCulture),
             // Later arguments win: an experiment's settings over these.
             .. _settings.SelectMany(kv => new[] { "--" + kv.Key, kv.Value })],
            Path.Combine(_workDirectory, "redis.log"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            // While it loads its append-only file it answers LOADING, not PONG.
            var ping = await Processes.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", port, "PING"], TimeSpan.FromSeconds(5));
            if (ping.StandardOutput.Trim() == "PONG") return;
            if (process.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"redis-server did not start; see {process.LogFile}.");
            await Task.Delay(20);
        }
    }

    /// <summary>The incremental append-only file Redis writes to now (Redis 7 keeps it in appendonlydir/), or null without one.</summary>
    public string? AppendOnlyFileNow()
    {
        var files = Path.Combine(_directory, "appendonlydir");
        return Directory.Exists(files) ? Directory.GetFiles(files, "*.incr.aof").MaxBy(File.GetLastWriteTimeUtc) : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } running)
        {
            await running.StopAsync(TimeSpan.FromSeconds(10));
            running.Dispose();
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is a temp directory.
        }
    }
}
