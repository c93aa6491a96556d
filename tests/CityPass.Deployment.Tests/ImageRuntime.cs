using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CityPass.Core.Keys;
using CityPass.Testing;

namespace CityPass.Deployment.Tests;

/// <summary>
/// The image's runtime stage, run without Docker (there is no engine where the tests run): the server published
/// by the Dockerfile's own <c>dotnet publish</c> line, the files its final stage copies in beside it, started
/// with its ENV, as its USER, from its WORKDIR, by its ENTRYPOINT; its home read-only and only a temporary
/// folder writable, as the pods' read-only root filesystem with /tmp on an emptyDir. It must serve its probes,
/// its pages and the console's libraries on real stores (<see cref="ImageRuntimeTests"/>).
/// </summary>
public sealed partial class ImageRuntime : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "citypass-image-" + Guid.NewGuid().ToString("N")[..8]);
    private RedisServer _redis = null!;

    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The final stage's USER.</summary>
    public int User { get; private set; }

    public async Task InitializeAsync()
    {
        var app = Path.Combine(_root, "app");
        await PublishAsync(app);
        CopyFinalStageFiles(app);
        User = int.Parse(Dockerfile.FinalStageArgs("USER").Single().Split(':')[0], CultureInfo.InvariantCulture);

        // The home folder exists but is not the user's (read-only, as the image's root filesystem); /tmp is its own.
        var home = Directory.CreateDirectory(Path.Combine(_root, "home")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(_root, "tmp")).FullName;
        await RunAsync("chown", [$"{User}:{User}", tmp]);

        _redis = await RedisServer.StartAsync();
        var postgres = await (await PostgresServer.Shared).CreateDatabaseAsync("image");
        var port = LoopbackPorts.Free();
        var entrypoint = EntrypointArgs();
        var start = new ProcessStartInfo("setpriv") { WorkingDirectory = app };
        foreach (var a in (string[])["--reuid", $"{User}", "--regid", $"{User}", "--clear-groups", "--", .. entrypoint]) start.ArgumentList.Add(a);
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        foreach (var (key, value) in FinalStageEnv()) start.Environment[key] = value;
        start.Environment["HOME"] = home;
        start.Environment["TMPDIR"] = tmp;
        // What the Deployment sets (k8s/base/server-deployment.yaml), on this test's own ports and stores.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        start.Environment["ConnectionStrings__Redis"] = _redis.ConnectionString;
        start.Environment["ConnectionStrings__Postgres"] = postgres;
        start.Environment["Keys__KeySetJson"] = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).ToPrivateJson();
        start.Environment["Keys__ServerSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        start.Environment["Sms__Gateway__Url"] = "http://127.0.0.1:9/sms";
        Server = await ServerProcess.StartAsync(start, port);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>The build stage's publish line, with its output folder here instead of /app.</summary>
    private static async Task PublishAsync(string output)
    {
        var line = Dockerfile.Args("RUN").Single(r => r.StartsWith("dotnet publish ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var args = line.Skip(1).ToArray();
        args[Array.IndexOf(args, "-o") + 1] = output;
        await RunAsync("dotnet", args, TimeSpan.FromMinutes(5));
    }

    /// <summary>
    /// The final stage's COPY lines from the console-libs stage: that stage's /src is the repository (its
    /// <c>npm ci</c> is the one the build ran into src/CityPass.Server/node_modules).
    /// </summary>
    private static void CopyFinalStageFiles(string app)
    {
        foreach (var copy in Dockerfile.FinalStageArgs("COPY").Where(c => c.StartsWith("--from=console-libs ", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var source = Path.Combine(Manifests.RepoRoot, parts[1]["/src/".Length..]);
            CopyTree(source, Path.Combine(app, parts[2]));
        }
    }

    private static void CopyTree(string from, string to)
    {
        Assert.True(Directory.Exists(from), $"{from} exists (npm ci has run in src/CityPass.Server)");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> FinalStageEnv() =>
        Dockerfile.FinalStageArgs("ENV").SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], kv[1]));

    private static string[] EntrypointArgs() =>
        [.. ExecForm().Matches(Dockerfile.FinalStageArgs("ENTRYPOINT").Single()).Select(m => m.Groups[1].Value)];

    private static async Task RunAsync(string file, string[] args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Manifests.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cancel.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await output}{await errors}");
    }

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex ExecForm();
}
