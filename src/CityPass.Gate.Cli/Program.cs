using System.CommandLine;
using System.CommandLine.Parsing;
using CityPass.Gate.Cli;

var root = new RootCommand("citypass-gate: a door terminal. Enrol once, then `run` reads scanned passes from standard input and prints one JSON decision per line.")
{
    EnrolCommand.Create(),
    RunCommand.Create(),
    StatusCommand.Create(),
    SyncCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count == 0) return await parsed.InvokeAsync();

// Usage errors exit with 2, one "citypass-gate: ..." line each on stderr, as the citypass CLI does.
foreach (var error in parsed.Errors) Console.Error.WriteLine("citypass-gate: " + error.Message);
Console.Error.WriteLine("Try 'citypass-gate --help'.");
return 2;
