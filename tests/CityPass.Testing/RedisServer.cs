using System.Diagnostics;
using Xunit;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CityPass.Testing;

/// <summary>
/// A real redis-server (or sentinel) on a free loopback port in its own temp dir, with no
/// persistence (a restart starts empty, like a failover that lost unreplicated writes); killed and
/// its dir removed on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private Process? _process;

    private readonly string? _configFile;

    private RedisServer(int port, string directory, string[] extraArguments, string? configFile = null)
    {
        _configFile = configFile;
        Port = port;
        Directory = directory;
        _extraArguments = extraArguments;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// What functional tests connect with (a StackExchange.Redis string). The server's 250 ms budget per
    /// call is a production setting; this shared 2-core test machine sometimes stalls longer than that,
    /// and those tests are about answers, not deadlines. The fault tests use the production default.
    /// </summary>
    public string ConnectionString => EndPoint + "," + RelaxedTimeout;

    public const string RelaxedTimeout = "asyncTimeout=2000";

    public static async Task<RedisServer> StartAsync(params string[] extraArguments)
    {
        var server = new RedisServer(LoopbackPorts.Free(), NewDirectory(), extraArguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a server on a port chosen earlier (e.g. one a client was already told to use).</summary>
    public static async Task<RedisServer> StartOnPortAsync(int port, params string[] extraArguments)
    {
        var server = new RedisServer(port, NewDirectory(), extraArguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a sentinel from a config it writes (sentinel rewrites its config file, so each gets its own).</summary>
    public static async Task<RedisServer> StartSentinelAsync(Func<int, string, string> config)
    {
        var port = LoopbackPorts.Free();
        var directory = NewDirectory();
        var file = Path.Combine(directory, "sentinel.conf");
        await File.WriteAllTextAsync(file, config(port, directory));
        var server = new RedisServer(port, directory, ["--sentinel"], file);
        await server.StartAgainAsync();
        return server;
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "citypass-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>(Re)starts the process on the same port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_configFile is not null) start.ArgumentList.Add(_configFile);
        else
        {
            // DEBUG lets fault tests make the server misbehave (e.g. DEBUG SLEEP).
            foreach (var argument in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Directory, "--enable-debug-command", "yes" })
                start.ArgumentList.Add(argument);
        }
        foreach (var argument in _extraArguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        // Drain its output so a chatty server never blocks on a full pipe.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await AnswersPingAsync(Port))
        {
            if (DateTime.UtcNow > until || _process.HasExited) throw new InvalidOperationException($"redis-server on port {Port} did not answer PING.");
            await Task.Delay(20);
        }
    }

    /// <summary>SIGSTOP: the process holds its connections open and answers nothing (a hung server), until <see cref="Resume"/>.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>: it reads and runs what queued up meanwhile.</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        var process = _process ?? throw new InvalidOperationException("redis-server is not running.");
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} exited with {kill.ExitCode}.");
    }

    public void Kill()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(5000);
        _process?.Dispose();
        _process = null;
    }

    /// <summary>An admin command through redis-cli, independent of the client under test.</summary>
    public Task<string> CliAsync(params string[] arguments) => CliAsync(Port, arguments);

    /// <summary>An admin command through redis-cli to any loopback port (e.g. a node the test did not start).</summary>
    public static async Task<string> CliAsync(int port, params string[] arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }.Concat(arguments))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return ((await output) + (await error)).Trim();
    }

    public static async Task<bool> AnswersPingAsync(int port)
    {
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>One redis-server shared by a test class or collection.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
