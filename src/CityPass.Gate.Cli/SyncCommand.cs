using System.CommandLine;

namespace CityPass.Gate.Cli;

/// <summary>`citypass-gate sync`: uploads the journal (progress on stderr) and fetches a fresh bundle.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var state = CliOptions.State();
        var command = new Command("sync", "Upload the offline decisions the server does not have yet, then fetch a fresh bundle. Exit 1 if anything is left.") { state };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                using var terminal = GateTerminal.Open(parse.GetValue(state)!);
                var total = terminal.Journal.Backlog();
                var progress = new Progress<SyncProgress>(p => Console.Error.WriteLine($"uploaded {p.Uploaded} of {total}, {p.Remaining} left"));
                var report = await terminal.SyncAsync(progress, ct);
                string? bundleError = null;
                BundleRefresh? bundle = null;
                try
                {
                    bundle = await terminal.RefreshBundleAsync(ct);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or GateServerException && !ct.IsCancellationRequested)
                {
                    bundleError = e.Message;
                }
                CliOptions.WriteJson(new
                {
                    uploaded = report.Uploaded, duplicates = report.Duplicates, invalid = report.Invalid, disagreements = report.Disagreements,
                    remaining = report.Remaining, error = report.Error, bundleIssuedAt = bundle?.IssuedAt, bundleError,
                    clockDriftSeconds = CliOptions.Seconds(bundle?.ClockDrift),
                });
                return report.Remaining == 0 && report.Error is null ? 0 : 1;
            }
            catch (GateEnrolmentException e)
            {
                return CliOptions.Fail(e.Code, e.Message);
            }
            catch (GateNotAuthorisedException e)
            {
                return CliOptions.Fail("gate_not_authorised", e.Message);
            }
        });
        return command;
    }
}
