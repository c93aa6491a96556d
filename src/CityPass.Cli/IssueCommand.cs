using System.CommandLine;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Cli;

/// <summary>
/// `citypass issue`: passes for a citizen, minted with a private key set file, one per line. For tools and
/// measurements that need many real passes without the citizen's phone (docs/gate-sdk.md's latency run); a server
/// issues them to citizens through their grains.
/// </summary>
internal static class IssueCommand
{
    public static Command Create()
    {
        var keys = new Option<FileInfo>("--keys") { Description = "The issuer's private key set file.", HelpName = "FILE", Required = true }.AcceptExistingOnly();
        var citizen = new Option<string>("--citizen") { Description = "The citizen's id (32 hex digits, as the authority API shows it).", Required = true };
        var colour = new Option<string>("--colour") { Description = "green, yellow or red.", DefaultValueFactory = _ => "green" };
        colour.AcceptOnlyFromAmong("green", "yellow", "red");
        var version = new Option<uint>("--status-version") { Description = "The citizen's status version, as the city holds it.", DefaultValueFactory = _ => 1 };
        var credentials = new Option<string[]>("--credential") { Description = "A credential the pass carries (repeat): health_record, eid_verified, social_security_card.", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "How many passes (each its own token id), 1 to 100000.", DefaultValueFactory = _ => 1 };
        var command = new Command("issue", "Mint passes for a citizen with a private key set file, one per line.") { keys, citizen, colour, version, credentials, count };
        command.SetAction(parse =>
        {
            if (!CitizenPseudonym.TryParse(parse.GetRequiredValue(citizen), out var id)) return Fail("--citizen is 32 hex digits.");
            var n = parse.GetValue(count);
            if (n is < 1 or > 100_000) return Fail("--count is 1 to 100000.");
            var held = Credentials.None;
            foreach (var name in parse.GetValue(credentials) ?? [])
            {
                if (!CredentialsExtensions.TryParseWireName(name, out var c)) return Fail($"'{name}' is not a credential.");
                held |= c;
            }
            if (!StatusColourExtensions.TryParseWireName(parse.GetValue(colour), out var statusColour)) return Fail("--colour is green, yellow or red.");
            var issuer = new PassIssuer(IssuerKeySet.FromPrivateJson(File.ReadAllText(parse.GetRequiredValue(keys).FullName)), TimeProvider.System);
            var state = new CitizenPassState(id, statusColour, parse.GetValue(version), held);
            using var output = new StreamWriter(Console.OpenStandardOutput());
            for (var i = 0; i < n; i++) output.WriteLine(issuer.Issue(state).Text);
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("citypass: " + message);
        return 2;
    }
}
