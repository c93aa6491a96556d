using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// The served /openapi/v1.json is a contract a vendor can generate a client from: Spectral (spectral:oas)
/// and Redocly (recommended) find nothing in it under the committed configs in openapi/ (every rule turned
/// off there says why), and what those rulesets do not check is checked here. The linters are installed
/// by <c>npm ci</c> from openapi/package-lock.json (scripts/install-deps.sh; here too, when missing).
/// </summary>
public sealed class OpenApiContractTests() : AppTest(StoreMode.Embedded)
{
    private static readonly string LintDir = Path.Combine(RepoPaths.Root, "tests", "CityPass.Server.Tests", "openapi");
    private static readonly Lazy<Task> NpmInstalled = new(() =>
        File.Exists(Path.Combine(LintDir, "node_modules", ".package-lock.json"))
            ? Task.CompletedTask
            : RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]));

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task SpectralFindsNothingInTheServedDocument()
    {
        var file = await ServedDocumentFileAsync();
        await NpmInstalled.Value;
        var (exit, output) = await RunAsync("node", [Path.Combine("node_modules", ".bin", "spectral"), "lint", file, "--ruleset", ".spectral.yaml", "--format", "json", "--quiet"], check: false);
        var findings = JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Select(f => $"{f.GetProperty("code").GetString()} (severity {f.GetProperty("severity").GetInt32()}): {f.GetProperty("message").GetString()} at {string.Join('/', f.GetProperty("path").EnumerateArray().Select(p => p.ToString()))}")
            .ToList();
        Assert.Empty(findings);
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task RedoclyRecommendedFindsNothingInTheServedDocument()
    {
        var file = await ServedDocumentFileAsync();
        await NpmInstalled.Value;
        var (exit, output) = await RunAsync("node", [Path.Combine("node_modules", ".bin", "redocly"), "lint", file, "--config", "redocly.yaml", "--format", "json"], check: false);
        var report = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var findings = report.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("ruleId").GetString()} ({p.GetProperty("severity").GetString()}): {p.GetProperty("message").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}")
            .ToList();
        Assert.Empty(findings);
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task EveryOperationHasAnIdentifierIdASummaryAndItsProblems()
    {
        var doc = await App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (route, op) in Operations(doc))
        {
            var id = op.GetProperty("operationId").GetString()!;
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(id, "^[A-Z][A-Za-z0-9]*$"), $"{route}: operationId {id} is not a C# identifier");
            Assert.True(ids.Add(id), $"{route}: operationId {id} is used twice");
            Assert.False(string.IsNullOrWhiteSpace(op.TryGetProperty("summary", out var s) ? s.GetString() : null), $"{route} has no summary");

            var responses = op.GetProperty("responses").EnumerateObject().ToList();
            var secured = op.GetProperty("security").GetArrayLength() > 0;
            var hasInput = op.TryGetProperty("requestBody", out _) || op.TryGetProperty("parameters", out _);
            if (secured || hasInput) Assert.Contains(responses, r => r.Name.StartsWith('4'));
            if (secured) Assert.Contains(responses, r => r.Name == "401");
            foreach (var error in responses.Where(r => r.Name[0] is '4' or '5'))
            {
                var schema = error.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                Assert.Equal("#/components/schemas/ProblemDetails", schema.GetProperty("$ref").GetString());
            }
        }
        var problem = doc.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        Assert.Contains("code", problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task OperationsNeedTheCredentialTheirRoutesRequire()
    {
        var doc = await App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var ops = Operations(doc).ToDictionary(o => o.Route, o => o.Operation);
        string[] Schemes(string route) => [.. ops[route].GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name))];

        Assert.Equal(["Gate"], Schemes("POST /v1/scans"));
        Assert.Equal(["Gate"], Schemes("GET /v1/gates/me/bundle"));
        Assert.Equal(["Bearer"], Schemes("GET /v1/me/pass"));
        Assert.Equal(["Bearer"], Schemes("GET /v1/venues"));
        Assert.Empty(Schemes("POST /v1/auth/token"));
        Assert.Empty(Schemes("POST /v1/citizens/session"));
        Assert.Empty(Schemes("GET /v1/public/venues"));
        Assert.Contains("422", ops["POST /v1/scans"].GetProperty("responses").EnumerateObject().Select(r => r.Name));
        Assert.Contains("429", ops["POST /v1/scans"].GetProperty("responses").EnumerateObject().Select(r => r.Name));
        Assert.Equal("PostScans", ops["POST /v1/scans"].GetProperty("operationId").GetString());
        Assert.True(ops["GET /v1/me/pass.png"].GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        Assert.True(ops["GET /v1/venues/{id}/scans.csv"].GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _));
        Assert.DoesNotContain(doc.GetProperty("servers").EnumerateArray(), s => s.GetProperty("url").GetString()!.EndsWith('/'));
    }

    private static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Where(m => Methods.Contains(m.Name))
            .Select(m => ($"{m.Name.ToUpperInvariant()} {(p.Name.Length > 1 ? p.Name.TrimEnd('/') : p.Name)}", m.Value)));

    private async Task<string> ServedDocumentFileAsync()
    {
        var text = await App.CreateClient().GetStringAsync("/openapi/v1.json");
        var file = Path.Combine(Path.GetTempPath(), $"citypass-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, text);
        return file;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, bool check = true)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = LintDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return (process.ExitCode, await stdout);
    }
}
