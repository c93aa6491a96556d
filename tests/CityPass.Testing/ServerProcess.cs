using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CityPass.Testing;

/// <summary>
/// The built server (src/CityPass.Server/bin) as a process of its own on 127.0.0.1, configured by environment
/// variables as a deployment would be; killed with SIGKILL when a test wants a crash, not a shutdown.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    // StartupBanner's first line, printed once the host has started and the demo data (if any) is seeded.
    private const string Banner = "CityPass is running";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) _output.Enqueue(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) _output.Enqueue(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the server with these settings (as environment variables, ':' written '__') and waits until it answers
    /// /health/ready; on <paramref name="port"/> when given (a restart where others expect it), else on a free one.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        var dll = BuiltServer.Dll();
        var listenPort = port ?? LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{listenPort.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return await StartAsync(start, listenPort);
    }

    /// <summary>
    /// Starts a server as <paramref name="start"/> describes (another build, user or folder) and waits until it answers
    /// /health/ready on <paramref name="port"/> and has printed its banner: the host is ready before the demo data is
    /// seeded, and a test that signed in as a demo admin at once was refused once (2026-12-04).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(ProcessStartInfo start, int port)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var server = new ServerProcess(Process.Start(start)!, port);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                if ((await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode && server.Output.Contains(Banner, StringComparison.Ordinal)) return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        var output = server.Output;
        await server.DisposeAsync();
        throw new InvalidOperationException("The server did not become ready:\n" + output);
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster, as when a node or a container dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the host shuts down gracefully (the silo hands its grains off and leaves).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
