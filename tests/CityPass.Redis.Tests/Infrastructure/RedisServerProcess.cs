using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CityPass.Redis.Tests.Infrastructure;

/// <summary>A real redis-server (or sentinel) on a free loopback port in its own temp dir; killed on dispose.</summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private readonly string? _configFile;
    private Process? _process;

    private RedisServerProcess(int port, string directory, string[] extraArguments, string? configFile)
    {
        Port = port;
        Directory = directory;
        _extraArguments = extraArguments;
        _configFile = configFile;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync(params string[] extraArguments)
    {
        var server = new RedisServerProcess(FreePort(), NewDirectory(), extraArguments, null);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a sentinel from a config it writes (sentinel rewrites its config file, so each gets its own).</summary>
    public static async Task<RedisServerProcess> StartSentinelAsync(Func<int, string, string> config)
    {
        var port = FreePort();
        var directory = NewDirectory();
        var file = Path.Combine(directory, "sentinel.conf");
        await File.WriteAllTextAsync(file, config(port, directory));
        var server = new RedisServerProcess(port, directory, ["--sentinel"], file);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>(Re)starts the process on the same port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_configFile is not null) start.ArgumentList.Add(_configFile);
        else
        {
            foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Directory, "--enable-debug-command", "yes" })
                start.ArgumentList.Add(argument);
        }

        foreach (var argument in _extraArguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () => await AnswersPingAsync(Port), TimeSpan.FromSeconds(15), $"redis-server on port {Port} answers PING");
    }

    public void Kill()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(5000);
        _process?.Dispose();
        _process = null;
    }

    public Task<string> CliAsync(params string[] arguments) => RedisCli.RunAsync(Port, arguments);

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "citypass-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
