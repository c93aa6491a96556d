using System.Globalization;
using System.Net.Http.Json;

namespace CityPass.LoadTests;

/// <summary>
/// The CityPass server as built in Release, started as production runs it (Production environment,
/// Redis + PostgreSQL stores, keys given inline, warnings-only logging) on a free loopback port.
/// The runner owns its issuer key set and server secret, so it can mint passes the server accepts, and
/// its SMS gateway (<see cref="SmsInbox"/>), where the server's one-time codes arrive.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private bool _disposed;

    private ServerProcess(ChildProcess process, int port, int siloPort)
    {
        _process = process;
        Port = port;
        SiloPort = siloPort;
        BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public int Port { get; }

    /// <summary>Its Orleans silo's port: free like the HTTP port, so replicas on this machine (and any other CityPass here) don't collide.</summary>
    public int SiloPort { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>The process ended (on its own: a server may stop itself, e.g. when its cluster membership is lost).</summary>
    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.Process.ExitCode;

    /// <summary>SIGKILL, as an orchestrator does to a process that stopped answering its liveness probe.</summary>
    public void Kill() => _process.Process.Kill(entireProcessTree: true);

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.Process.WaitForExitAsync(cancellationToken);

    /// <summary>The configuration the run changes from the defaults, for the report.</summary>
    public static IReadOnlyDictionary<string, string> Overrides { get; } = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Warning",
        // The runner mints a pool once per scenario; ten minutes is the verifier's maximum lifetime.
        ["Passes__LifetimeSeconds"] = "600",
        // The demo's staff accounts (admin, authority) are the runner's way in.
        ["Demo__Seed"] = "true",
        // Every citizen sign-in for the refresh traffic comes from 127.0.0.1.
        ["RateLimits__SignInsPerMinute"] = "100000",
        // The runs' status changes all come from the demo's authority account, thousands an hour: the anomaly guard's
        // hourly limit would hold them for a second approver (it is tested in StatusDraftTests, not measured here).
        ["StatusDrafts__ChangesPerHourBeforeHold"] = "1000000",
        // The mixed steps' pass refreshes come from 200 signed-in citizens, about 6 a second each at the closed loop's
        // rate, near a citizen's limit (10 a second, a bucket of 20): lifted, so a refresh measures issuing, not the limiter.
        ["RateLimits__PerCitizenPerSecond"] = "100000",
    };

    /// <summary>
    /// Starts the server on free ports, or on <paramref name="ports"/>: a server started again in place of one that
    /// stopped keeps its address, so the load and the health checks that target it carry on.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string serverDll, string redis, string postgres, string keySetJson, string serverSecret, SmsInbox sms,
        string logFile, IReadOnlyDictionary<string, string> extra, (int Http, int Silo)? ports = null)
    {
        var port = ports?.Http ?? Processes.FreeLoopbackPort();
        var siloPort = ports?.Silo ?? Processes.FreeLoopbackPort();
        while (siloPort == port) siloPort = Processes.FreeLoopbackPort();
        var env = new Dictionary<string, string>(Overrides.Concat(sms.ServerSettings).Concat(extra).GroupBy(kv => kv.Key).Select(g => g.Last()).ToDictionary())
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            ["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["ConnectionStrings__Redis"] = redis,
            ["ConnectionStrings__Postgres"] = postgres,
            ["Keys__KeySetJson"] = keySetJson,
            ["Keys__ServerSecret"] = serverSecret,
        };
        var process = new ChildProcess("dotnet", [serverDll], logFile, Path.GetDirectoryName(serverDll), env);
        var server = new ServerProcess(process, port, siloPort);
        try
        {
            await WaitUntilReadyAsync(server, process, logFile);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitUntilReadyAsync(ServerProcess server, ChildProcess process, string logFile)
    {
        string last = "";
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"The server exited at start; see {logFile}.");
            try
            {
                using var ready = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
                // The demo seed runs right after start: staff sign-in works once it is done.
                using var signIn = await http.PostAsJsonAsync(new Uri("v1/auth/token", UriKind.Relative), new { username = "admin", password = "demo-admin-2026" });
                if (ready.IsSuccessStatusCode && signIn.IsSuccessStatusCode) return;
                last = $"health {(int)ready.StatusCode}, sign-in {(int)signIn.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timeout";
            }
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"The server did not become ready in 60 s ({last}); see {logFile}.");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Once: a failed start disposes it, and a runner starting it again disposes what it had before.
        if (_disposed) return;
        _disposed = true;
        await _process.StopAsync(TimeSpan.FromSeconds(15));
        _process.Dispose();
    }
}
