using System.CommandLine;

namespace CityPass.Gate.Cli;

/// <summary>`citypass-gate enrol LINK`: pins the city's federation key from the console's enrolment link, stores the credential, fetches the first bundle.</summary>
internal static class EnrolCommand
{
    public static Command Create()
    {
        var link = new Argument<string>("link") { Description = "The enrolment link the console showed with the credential (…/gate/#credential=cpg_…&federation=…), or - to read it from standard input." };
        var state = CliOptions.State();
        var command = new Command("enrol", "Enrol this gate from the console's enrolment link.") { link, state };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(link)!, parse.GetValue(state)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string link, string state, CancellationToken cancellationToken)
    {
        // The link holds the secret: reading it from standard input keeps it out of the shell's history and `ps`.
        if (link == "-") link = (await Console.In.ReadLineAsync(cancellationToken))?.Trim() ?? "";
        GateEnrolment enrolment;
        try
        {
            enrolment = await GateEnrolment.EnrolAsync(link, state, TimeProvider.System, cancellationToken);
        }
        catch (GateEnrolmentException e)
        {
            return CliOptions.Fail(e.Code, e.Message);
        }
        using var terminal = GateTerminal.Open(state);
        try
        {
            var bundle = await terminal.RefreshBundleAsync(cancellationToken);
            CliOptions.WriteJson(new
            {
                enrolled = true, gateId = enrolment.GateId, server = enrolment.Server, issuer = enrolment.Issuer,
                federationFingerprint = enrolment.FederationFingerprint, bundleIssuedAt = bundle.IssuedAt, clockDriftSeconds = CliOptions.Seconds(bundle.ClockDrift),
            });
            return 0;
        }
        catch (GateNotAuthorisedException e)
        {
            return CliOptions.Fail("gate_not_authorised", e.Message + " Issue a new credential in the console.");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or GateServerException && !cancellationToken.IsCancellationRequested)
        {
            return CliOptions.Fail("bundle_unavailable", "Enrolled, but the first bundle could not be fetched (the gate cannot decide offline until it has one): " + e.Message);
        }
    }
}
