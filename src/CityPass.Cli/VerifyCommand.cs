using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Cli;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var text = new Argument<string>("TEXT") { Description = "The pass as its QR code holds it (CP2:..., or CP1:... during the transition)." };
        var keys = new Option<FileInfo>("--keys")
        {
            Description = "A private key set file (checks the MAC tag, shows the citizen) or a public one (checks the signature).",
            HelpName = "FILE",
            Required = true,
        }.AcceptExistingOnly();
        var command = new Command("verify", "Verify a pass with a private or public key set file; exits 1 with the failure code when it is not valid.") { text, keys };
        command.SetAction(parse => Run(parse.GetRequiredValue(text), parse.GetRequiredValue(keys)));
        return command;
    }

    private static int Run(string text, FileInfo file)
    {
        var json = File.ReadAllText(file.FullName);
        // A private key file has signing keys; a public one (keys.json) only keys.
        var isPrivate = JsonDocument.Parse(json).RootElement.TryGetProperty("signingKeys", out _);
        var verifier = isPrivate
            ? new PassVerifier(new TrustStore([]), TimeProvider.System, ownKeys: IssuerKeySet.FromPrivateJson(json))
            : new PassVerifier(new TrustStore([PublicKeySet.FromJson(json)]), TimeProvider.System);
        var result = verifier.Verify(text);
        if (!result.IsValid)
        {
            Console.WriteLine(result.Code);
            return 1;
        }
        var c = result.Claims;
        // A v2 pass checked by signature keeps its version and credentials sealed, as it does from any gate.
        Console.WriteLine($"ok: issuer {c.Issuer}, key {c.KeyId} ({c.Suite.ToWireName()}), colour {c.Colour}, status version {c.StatusVersion?.ToString(CultureInfo.InvariantCulture) ?? "(sealed)"}, " +
                          $"credentials {c.Credentials?.ToString() ?? "(sealed)"}, valid {c.IssuedAt:O} .. {c.ExpiresAt:O}, citizen {(c.Pseudonym?.ToString() ?? "(hidden: not the issuer)")}");
        return 0;
    }
}
