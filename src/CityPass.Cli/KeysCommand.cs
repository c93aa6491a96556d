using System.CommandLine;
using System.CommandLine.Parsing;
using CityPass.Core.Keys;

namespace CityPass.Cli;

internal static class KeysCommand
{
    public static Command Create()
    {
        var suite = new Option<SignatureSuite?>("--suite")
        {
            Description = "The signature suite of the signing key: es256 (the default) or sm2.",
            HelpName = "es256|sm2",
            CustomParser = r => SignatureSuiteExtensions.TryParseWireName(Token(r), out var s) ? s : Error<SignatureSuite>(r, $"unknown suite '{Token(r)}' (es256 or sm2)"),
        };
        var issuer = new Option<IssuerId?>("--issuer")
        {
            Description = "The issuer's six-digit administrative division code (default 310000, Shanghai).",
            HelpName = "CODE",
            CustomParser = r => IssuerId.TryParse(Token(r), out var i) ? i : Error<IssuerId>(r, $"issuer must be a six-digit division code, not '{Token(r)}'"),
        };
        var create = new Command("new", "A new private key set (JSON) on stdout.") { suite, issuer };
        create.SetAction(parse =>
        {
            var keys = IssuerKeySet.Generate(parse.GetValue(issuer) ?? new IssuerId(310000), parse.GetValue(suite) ?? SignatureSuite.Es256, DateTimeOffset.UtcNow);
            Console.WriteLine(keys.ToPrivateJson());
        });

        var file = new Argument<FileInfo>("FILE") { Description = "A private key set file (from keys new)." }.AcceptExistingOnly();
        var publicKeys = new Command("public", "The public key set of a private key file (what other cities import), on stdout.") { file };
        publicKeys.SetAction(parse => Console.WriteLine(IssuerKeySet.FromPrivateJson(File.ReadAllText(parse.GetRequiredValue(file).FullName)).PublicKeys.ToJson()));

        var federationSuite = new Option<SignatureSuite?>("--suite")
        {
            Description = "The signature suite of the federation key: es256 (the default) or sm2.",
            HelpName = "es256|sm2",
            CustomParser = r => SignatureSuiteExtensions.TryParseWireName(Token(r), out var s) ? s : Error<SignatureSuite>(r, $"unknown suite '{Token(r)}' (es256 or sm2)"),
        };
        var federation = new Command("federation", "A new federation key (JSON, for Federation:KeyJson) on stdout; its fingerprint on stderr.") { federationSuite };
        federation.SetAction(parse =>
        {
            var key = CityPass.Core.Federation.FederationKey.Generate(parse.GetValue(federationSuite) ?? SignatureSuite.Es256);
            Console.WriteLine(key.ToPrivateJson());
            Console.Error.WriteLine($"fingerprint {key.Fingerprint}");
        });

        return new Command("keys", "Key files: make a private key set, export its public part, make a federation key.") { create, publicKeys, federation };
    }

    private static string Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[0].Value : "";

    private static T? Error<T>(ArgumentResult r, string message) where T : struct
    {
        r.AddError(message);
        return null;
    }
}
