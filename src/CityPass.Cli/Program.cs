using System.CommandLine;
using System.CommandLine.Parsing;
using CityPass.Cli;

var root = new RootCommand("CityPass command line: issue and verify demo passes, print them as QR codes, export key sets.")
{
    DemoCommand.Create(),
    KeysCommand.Create(),
    VerifyCommand.Create(),
    VectorsCommand.Create(),
    FederationVectorsCommand.Create(),
    IssueCommand.Create(),
    AuditCommand.Create(),
};
// As before the parser: no command at all runs the demo, and `citypass help` shows the help.
root.SetAction(_ => DemoCommand.Run());
var help = new Command("help") { Hidden = true };
help.SetAction(_ => root.Parse("--help").Invoke());
root.Add(help);

var parsed = root.Parse(args);
if (parsed.Errors.Count == 0) return parsed.Invoke();

// Usage errors exit with 2, one "citypass: ..." line each on stderr, and point at the command's help.
foreach (var error in parsed.Errors) Console.Error.WriteLine("citypass: " + error.Message);
Console.Error.WriteLine($"Try '{CommandPath(parsed.CommandResult)} --help'.");
return 2;

static string CommandPath(CommandResult command) =>
    command.Parent is CommandResult parent ? $"{CommandPath(parent)} {command.Command.Name}" : "citypass";
