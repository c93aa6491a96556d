using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Cli;

internal static class KeysCommand
{
    public static int Run(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "new":
                var suiteName = Option(args, "--suite") ?? "es256";
                var issuerText = Option(args, "--issuer") ?? "310000";
                if (!SignatureSuiteExtensions.TryParseWireName(suiteName, out var suite)) return Fail($"unknown suite '{suiteName}' (es256 or sm2)");
                if (!IssuerId.TryParse(issuerText, out var issuer)) return Fail($"issuer must be a six-digit division code, not '{issuerText}'");
                Console.WriteLine(IssuerKeySet.Generate(issuer, suite, DateTimeOffset.UtcNow).ToPrivateJson());
                return 0;
            case "public" when args.Length == 2:
                Console.WriteLine(IssuerKeySet.FromPrivateJson(File.ReadAllText(args[1])).PublicKeys.ToJson());
                return 0;
            default:
                return Fail("usage: citypass keys new [--suite es256|sm2] [--issuer CODE] | citypass keys public FILE");
        }
    }

    internal static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine("citypass: " + message);
        return 2;
    }
}
