using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Cli.Tests;

/// <summary>The citypass command line, run as a process: what it prints and how it exits.</summary>
public sealed partial class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("citypass-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Run(int ExitCode, string Out, string Error);

    private static async Task<Run> CitypassAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "citypass.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    // The host running these tests is the dotnet that runs the CLI too.
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task IssueMintsDistinctPassesThatVerifyWithTheCitizenAndFactsAsked()
    {
        var keys = Write("keys.json", (await CitypassAsync("keys", "new", "--issuer", "310000")).Out);
        var issued = await CitypassAsync("issue", "--keys", keys, "--citizen", "0123456789abcdef0123456789abcdef", "--colour", "yellow",
            "--status-version", "7", "--credential", "health_record", "eid_verified", "--count", "3");
        Assert.Equal((0, ""), (issued.ExitCode, issued.Error));
        var passes = issued.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, passes.Distinct().Count());
        var verifier = new PassVerifier(new TrustStore([]), TimeProvider.System, ownKeys: IssuerKeySet.FromPrivateJson(File.ReadAllText(keys)));
        var claims = verifier.Verify(passes[0]).Claims;
        Assert.Equal(("0123456789abcdef0123456789abcdef", StatusColour.Yellow, 7u, Credentials.HealthRecord | Credentials.EIdVerified),
            (claims.Pseudonym.ToString(), claims.Colour, claims.StatusVersion, claims.Credentials));
        Assert.Equal(2, (await CitypassAsync("issue", "--keys", keys, "--citizen", "not-hex")).ExitCode);
    }

    [Fact]
    public async Task KeysNewThenKeysPublicGiveTheKeySetsOfTheChosenSuiteAndIssuer()
    {
        var created = await CitypassAsync("keys", "new", "--suite", "sm2", "--issuer", "330100");
        Assert.Equal((0, ""), (created.ExitCode, created.Error));
        var keys = IssuerKeySet.FromPrivateJson(created.Out);
        Assert.Equal((new IssuerId(330100), SignatureSuite.Sm2Sm3), (keys.Issuer, keys.SigningKeys[0].Key.Suite));

        var published = await CitypassAsync("keys", "public", Write("keys.json", created.Out));
        Assert.Equal(0, published.ExitCode);
        Assert.Equal(keys.PublicKeys.ToJson(), published.Out.TrimEnd());
        Assert.Equal(new IssuerId(330100), PublicKeySet.FromJson(published.Out).Issuer);
    }

    [Fact]
    public async Task KeysFederationMakesAFederationKeyOfTheChosenSuiteAndPrintsItsFingerprintApart()
    {
        var created = await CitypassAsync("keys", "federation", "--suite", "sm2");
        Assert.Equal(0, created.ExitCode);
        var key = CityPass.Core.Federation.FederationKey.FromPrivateJson(created.Out);
        Assert.Equal(SignatureSuite.Sm2Sm3, key.Key.Suite);
        // The fingerprint goes to stderr, so stdout is the key file alone.
        Assert.Equal($"fingerprint {key.Fingerprint}", created.Error.Trim());
    }

    [Fact]
    public async Task FederationVectorsPrintDocumentsThatVerifyUnderTheirKeys()
    {
        var run = await CitypassAsync("federation-vectors");
        Assert.Equal(0, run.ExitCode);
        var blocks = Blocks(run.Out, "keyset-vector");
        Assert.Equal(2, blocks.Count);
        foreach (var v in blocks)
        {
            var pinned = CityPass.Core.Federation.FederationKey.ImportPublic(v["suite"], v["federation-public-key"]);
            Assert.Equal(CityPass.Core.Federation.KeySetDocumentFailure.None,
                CityPass.Core.Federation.SignedKeySet.TryVerify(v["document"], pinned, new IssuerId(uint.Parse(v["issuer"], System.Globalization.CultureInfo.InvariantCulture)), out _));
        }
    }

    [Fact]
    public async Task KeysNewDefaultsToEs256ForShanghai()
    {
        var keys = IssuerKeySet.FromPrivateJson((await CitypassAsync("keys", "new")).Out);
        Assert.Equal((new IssuerId(310000), SignatureSuite.Es256), (keys.Issuer, keys.SigningKeys[0].Key.Suite));
    }

    [Fact]
    public async Task VerifyChecksAPassWithThePrivateOrThePublicKeyFile()
    {
        var created = (await CitypassAsync("keys", "new")).Out;
        var keys = IssuerKeySet.FromPrivateJson(created);
        var pass = new PassIssuer(keys, TimeProvider.System).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord));
        var privateFile = Write("keys.json", created);
        var publicFile = Write("public.json", keys.PublicKeys.ToJson());

        var byIssuer = await CitypassAsync("verify", pass.Text, "--keys", privateFile);
        Assert.Equal(0, byIssuer.ExitCode);
        Assert.StartsWith("ok: issuer 310000, key 1 (ES256), colour Green", byIssuer.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", byIssuer.Out, StringComparison.Ordinal);
        var offline = await CitypassAsync("verify", "--keys", publicFile, pass.Text);
        Assert.Equal(0, offline.ExitCode);
        Assert.Contains("citizen (hidden: not the issuer)", offline.Out, StringComparison.Ordinal);

        var broken = await CitypassAsync("verify", pass.Text[..^3], "--keys", privateFile);
        Assert.Equal((1, "malformed"), (broken.ExitCode, broken.Out.Trim()));
    }

    [Fact]
    public async Task VectorsPrintsVectorsThatVerifyAndFailureCasesThatFailWithTheirCodes()
    {
        var run = await CitypassAsync("vectors");
        Assert.Equal(0, run.ExitCode);
        var valid = Blocks(run.Out, "vector");
        Assert.Equal(["ES256", "SM2-SM3"], valid.Select(v => v["suite"]).Order());
        foreach (var v in valid)
        {
            var result = Verifier(v, Time(v["issued-at"]).AddSeconds(10)).Verify(v["token"]);
            Assert.True(result.IsValid, $"{v["name"]}: {result.Code}");
            Assert.Equal(v["colour"], result.Claims.Colour.ToWireName());
        }
        var invalid = Blocks(run.Out, "invalid-vector");
        Assert.True(invalid.Count >= 8);
        var es256 = valid.Single(v => v["name"] == "es256-green-v2");
        foreach (var v in invalid.Where(v => v["mode"] == "both"))
        {
            Assert.Equal((v["name"], v["expect"]), (v["name"], Verifier(es256, Time(v["verify-at"])).Verify(v["token"]).Code));
        }
        Assert.Single(Blocks(run.Out, "signature-twin"));
    }

    [Fact]
    public async Task HelpListsTheCommandsAndTheirOptions()
    {
        var root = await CitypassAsync("--help");
        Assert.Equal(0, root.ExitCode);
        foreach (var command in new[] { "demo", "keys", "verify <TEXT>", "vectors", "federation-vectors" }) Assert.Contains("  " + command + " ", root.Out, StringComparison.Ordinal);
        Assert.Equal(root.Out, (await CitypassAsync("help")).Out);

        var keysNew = await CitypassAsync("keys", "new", "--help");
        Assert.Contains("--suite <es256|sm2>", keysNew.Out, StringComparison.Ordinal);
        Assert.Contains("--issuer <CODE>", keysNew.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutACommandItRunsTheDemo()
    {
        var demo = await CitypassAsync();
        Assert.Equal(0, demo.ExitCode);
        Assert.Contains("issuer's check (seal):        ok", demo.Out, StringComparison.Ordinal);
        Assert.Contains("DENY status_not_allowed", demo.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown suite 'rsa' (es256 or sm2)", "keys", "new", "--suite", "rsa")]
    [InlineData("issuer must be a six-digit division code, not 'Shanghai'", "keys", "new", "--issuer", "Shanghai")]
    [InlineData("Unrecognized command or argument '--bogus'.", "keys", "new", "--bogus")]
    [InlineData("Required command was not provided.", "keys")]
    [InlineData("File does not exist:", "keys", "public", "/no/such/keys.json")]
    [InlineData("Option '--keys' is required.", "verify", "CP1:ABC")]
    [InlineData("Unrecognized command or argument 'frobnicate'.", "frobnicate")]
    public async Task BadUsageExitsWithTwoAndSaysWhatIsWrong(string message, params string[] args)
    {
        var run = await CitypassAsync(args);
        Assert.Equal((2, ""), (run.ExitCode, run.Out));
        Assert.StartsWith("citypass: " + message, run.Error, StringComparison.Ordinal);
        Assert.Contains("--help'.", run.Error, StringComparison.Ordinal);
    }

    private static PassVerifier Verifier(Dictionary<string, string> v, DateTimeOffset at)
    {
        var validity = new KeyValidity(Time(v["keys-activate"]));
        var suite = SignatureSuiteExtensions.TryParseWireName(v["suite"], out var s) ? s : throw new FormatException(v["suite"]);
        var keys = new IssuerKeySet(
            new IssuerId(uint.Parse(v["issuer"], CultureInfo.InvariantCulture)),
            [new SigningKeyEntry(1, validity, SigningKey.Import(suite, Convert.FromBase64String(v["signing-key-pkcs8"])))],
            [new IssuerSecret(1, validity, Convert.FromHexString(v["issuer-secret"]))]);
        return new PassVerifier(new TrustStore([]), new FakeTimeProvider(at), ownKeys: keys);
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static List<Dictionary<string, string>> Blocks(string text, string kind) =>
        BlockPattern().Matches(text)
            .Where(m => m.Groups["kind"].Value == kind)
            .Select(m => m.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(": ", 2))
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].TrimEnd('\r')))
            .ToList();

    [GeneratedRegex("```(?<kind>vector|invalid-vector|signature-twin|keyset-vector)\\r?\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
