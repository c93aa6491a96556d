using System.CommandLine;

namespace CityPass.Gate.Cli;

/// <summary>`citypass-gate status`: online or not, the bundle's age, the journal backlog, the clock drift.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var command = new Command("status", "Show whether the server answers, the bundle's age, the journal backlog and the clock drift (JSON).") { state };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                using var terminal = GateTerminal.Open(parse.GetValue(state)!);
                var s = await terminal.StatusAsync(ct);
                CliOptions.WriteJson(new
                {
                    gateId = s.GateId, server = s.Server, online = s.Online, bundleIssuedAt = s.BundleIssuedAt, bundleAgeSeconds = CliOptions.Seconds(s.BundleAge),
                    bundleUsable = s.BundleUsable, journalBacklog = s.JournalBacklog, clockDriftSeconds = CliOptions.Seconds(s.ClockDrift),
                    clockMeasuredAt = s.ClockMeasuredAt, disagreements = s.Disagreements,
                });
                return 0;
            }
            catch (GateEnrolmentException e)
            {
                return CliOptions.Fail(e.Code, e.Message);
            }
        });
        return command;
    }
}
