using System.Diagnostics;
using System.Reflection;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// A vendor generates a client from the served document and it works: NSwag (NSwag.MSBuild) generates
/// client/CityPass.GeneratedClient.csproj's client from /openapi/v1.json as this app serves it, the project
/// compiles with it, and its GateFlow runs the gate's flow through it against this app.
/// </summary>
public sealed class GeneratedClientTests() : AppTest(StoreMode.Embedded)
{
    private static readonly string ProjectDir = Path.Combine(RepoPaths.Root, "tests", "CityPass.Server.Tests", "client");

    [Fact]
    public async Task AClientGeneratedFromTheDocumentSignsInScansAndReadsProblemCodes()
    {
        var work = Directory.CreateTempSubdirectory("citypass-client-").FullName;
        var document = Path.Combine(work, "openapi.json");
        await File.WriteAllTextAsync(document, await App.CreateClient().GetStringAsync("/openapi/v1.json"));
        var output = Path.Combine(work, "bin");
        await BuildAsync(document, output);

        var flow = Assembly.LoadFrom(Path.Combine(output, "CityPass.GeneratedClient.dll")).GetType("CityPass.GeneratedClient.GateFlow", throwOnError: true)!
            .GetMethod("RunAsync")!;
        var gate = App.Demo.Gates.Single(g => g.Venue.StartsWith("上海图书馆", StringComparison.Ordinal) && g.Gate == "North entrance");
        var run = (Task<IReadOnlyList<string>>)flow.Invoke(null, [(Func<HttpClient>)(() => App.CreateClient()), Phones.ZhangGreen, (Func<string, string>)App.Sms.CodeSentTo, gate.Credential])!;
        var seen = await run;

        Assert.Equal(
        [
            "session: True",
            "scan: allow allowed",
            "broken pass: 422 malformed",
            "no credential: 401 gate_credential_invalid", // a gate route's challenge names the gate credential
        ], seen);
    }

    private static async Task BuildAsync(string document, string output)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = ProjectDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "build", "CityPass.GeneratedClient.csproj", "--nologo", "-v", "q", $"-p:OpenApiDocument={document}", "-o", output }) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"the generated client did not build:\n{await stdout}\n{await stderr}");
    }
}
