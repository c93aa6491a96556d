using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// A redis-server of the runner's own on a free loopback port, configured as production would run it
/// (append-only file, fsync every second), in a temp directory that goes with it.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private LocalRedis(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<LocalRedis> StartAsync(string workDirectory, bool appendOnly = true)
    {
        var directory = Path.Combine(workDirectory, "redis");
        Directory.CreateDirectory(directory);
        var port = Processes.FreeLoopbackPort();
        var process = new ChildProcess("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--appendonly", appendOnly ? "yes" : "no",
             "--appendfsync", "everysec", "--save", "", "--protected-mode", "yes"],
            Path.Combine(workDirectory, "redis.log"));
        var redis = new LocalRedis(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var ping = await Processes.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "PING"], TimeSpan.FromSeconds(5));
            if (ping.StandardOutput.Trim() == "PONG") return redis;
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await redis.DisposeAsync();
                throw new InvalidOperationException($"redis-server did not start; see {process.LogFile}.");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
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
