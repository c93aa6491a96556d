using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CityPass.Deployment.Tests;

/// <summary>One overlay rendered by <c>kubectl kustomize</c> and checked by schema/validate.mjs.</summary>
public sealed record Rendered(string Overlay, IReadOnlyList<JsonObject> Objects, IReadOnlyList<SchemaResult> Results)
{
    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Str(o, "kind") == kind);

    public JsonObject Get(string kind, string name) =>
        Assert.Single(Objects, o => Str(o, "kind") == kind && Str(o["metadata"], "name") == name);

    public static string? Str(JsonNode? node, string property) =>
        node is JsonObject o && o[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

public sealed record SchemaResult(string ApiVersion, string Kind, string Name, string Status, IReadOnlyList<string> Errors);

/// <summary>
/// Renders and validates each overlay once per test run. The validator's packages are installed
/// here, by <c>npm ci</c> from the committed lock file, the first time they are missing.
/// </summary>
public static class Manifests
{
    public static readonly string RepoRoot = FindRepoRoot();
    public static string OverlaysDir => Path.Combine(RepoRoot, "k8s", "overlays");
    private static readonly string SchemaDir = Path.Combine(RepoRoot, "tests", "CityPass.Deployment.Tests", "schema");

    private static readonly ConcurrentDictionary<string, Lazy<Task<Rendered>>> Cache = new();
    private static readonly Lazy<Task> NpmInstalled = new(InstallValidatorAsync);

    /// <summary>Every overlay under k8s/overlays: a new one is checked without touching the tests.</summary>
    public static TheoryData<string> Overlays() => new(OverlayNames());

    public static IReadOnlyList<string> OverlayNames() =>
        Directory.GetDirectories(OverlaysDir).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();

    public static Task<Rendered> RenderAsync(string overlay) =>
        Cache.GetOrAdd(overlay, o => new Lazy<Task<Rendered>>(() => RenderUncachedAsync(o))).Value;

    private static async Task<Rendered> RenderUncachedAsync(string overlay)
    {
        var yaml = await RunAsync("kubectl", ["kustomize", Path.Combine(OverlaysDir, overlay)], RepoRoot);
        await NpmInstalled.Value;
        var json = await RunAsync("node", [Path.Combine(SchemaDir, "validate.mjs")], SchemaDir, stdin: yaml);
        var root = JsonNode.Parse(json)!.AsObject();
        var objects = root["objects"]!.AsArray().Select(o => o!.AsObject()).ToList();
        var results = root["results"]!.AsArray().Select(r => new SchemaResult(
            (string)r!["apiVersion"]!, (string)r["kind"]!, (string)r["name"]!, (string)r["status"]!,
            r["errors"]!.AsArray().Select(e => (string)e!).ToList())).ToList();
        return new Rendered(overlay, objects, results);
    }

    private static async Task InstallValidatorAsync()
    {
        if (File.Exists(Path.Combine(SchemaDir, "node_modules", ".package-lock.json"))) return;
        await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], SchemaDir);
    }

    public static async Task<string> RunAsync(string file, IEnumerable<string> args, string workingDirectory, string? stdin = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"`{file}` is not installed (Debian's kubectl and nodejs are on the machine image): {e.Message}", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {process.ExitCode}: {await error}");
            return await output;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityPass.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("CityPass.sln not found above " + AppContext.BaseDirectory);
    }
}
