using System.Text.Json;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Cli;

internal static class VerifyCommand
{
    public static int Run(string[] args)
    {
        var file = KeysCommand.Option(args, "--keys");
        if (args.Length < 3 || file is null) return KeysCommand.Fail("usage: citypass verify TEXT --keys FILE");
        var json = File.ReadAllText(file);
        // A private key file has signing keys; a public one (keys.json) only keys.
        var isPrivate = JsonDocument.Parse(json).RootElement.TryGetProperty("signingKeys", out _);
        var verifier = isPrivate
            ? new PassVerifier(new TrustStore([]), TimeProvider.System, ownKeys: IssuerKeySet.FromPrivateJson(json))
            : new PassVerifier(new TrustStore([PublicKeySet.FromJson(json)]), TimeProvider.System);
        var result = verifier.Verify(args[0]);
        if (!result.IsValid)
        {
            Console.WriteLine(result.Code);
            return 1;
        }
        var c = result.Claims;
        Console.WriteLine($"ok: issuer {c.Issuer}, key {c.KeyId} ({c.Suite.ToWireName()}), colour {c.Colour}, status version {c.StatusVersion}, " +
                          $"credentials {c.Credentials}, valid {c.IssuedAt:O} .. {c.ExpiresAt:O}, citizen {(c.Pseudonym?.ToString() ?? "(hidden: not the issuer)")}");
        return 0;
    }
}
