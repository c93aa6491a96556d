using System.CommandLine;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Cli;

/// <summary>The whole token life on one screen: issue, show, verify both ways, decide, change status, decide again.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Issue a demo pass, show it as a QR code, verify it both ways, decide at a gate (also what citypass alone does).");
        command.SetAction(_ => Run());
        return command;
    }

    public static int Run()
    {
        var clock = TimeProvider.System;
        var now = clock.GetUtcNow();
        var keys = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, now);
        var issuer = new PassIssuer(keys, clock);
        var verifier = new PassVerifier(new TrustStore([]), clock, ownKeys: keys);
        var offline = new PassVerifier(new TrustStore([keys.PublicKeys]), clock);

        var citizen = CitizenPseudonym.NewRandom();
        var status = CitizenStatus.Initial(now);
        const string name = "张小三";
        const Credentials credentials = Credentials.HealthRecord | Credentials.EIdVerified;
        var pass = issuer.Issue(new CitizenPassState(citizen, status.Colour, status.Version, credentials));

        var (art, version) = TerminalQr.Render(pass.Text);
        Console.WriteLine(art);
        Console.WriteLine($"Demo pass of {NameMasking.Mask(name)} (issuer 310000, ES256), valid until {pass.ExpiresAt:HH:mm:ss} UTC");
        Console.WriteLine($"QR version {version} at error correction M, {pass.Text.Length} characters:");
        Console.WriteLine(pass.Text);
        Console.WriteLine();

        var byMac = verifier.Verify(pass.Text);
        var bySignature = offline.VerifySignature(pass.Text);
        Console.WriteLine($"issuer's check (seal):        {byMac.Code}, colour {byMac.Claims.Colour.ToWireName()}, pseudonym {(byMac.Claims.Pseudonym == citizen ? "matches" : "MISMATCH")}");
        Console.WriteLine($"offline check (signature):    {bySignature.Code}, colour {bySignature.Claims.Colour.ToWireName()}, pseudonym {(bySignature.Claims.Pseudonym is null ? "hidden" : "visible")}, " +
                          $"status version and credentials {(bySignature.Claims.Credentials is null ? "sealed" : "visible")}");

        var library = new VenuePolicy { AllowedColours = StatusColours.Green, Capacity = 200 };
        var situation = new VenueSituation(Occupancy: 57, CitizenInside: false, HasBooking: false, TokenAlreadyEntered: false);
        var snapshot = new CitizenSnapshot(status.Colour, status.Version, credentials, name);
        Print("library gate, now", EntryRules.Decide(byMac.Claims, snapshot, library, situation, ScanDirection.In, now));

        var red = status.ChangeTo(StatusColour.Red, "close contact", now);
        Print("same pass after the authority set red", EntryRules.Decide(byMac.Claims, snapshot with { Colour = red.Colour, StatusVersion = red.Version }, library, situation, ScanDirection.In, now));
        return byMac.IsValid && bySignature.IsValid ? 0 : 1;
    }

    private static void Print(string label, EntryDecision d) =>
        Console.WriteLine($"{label + ":",-40} {(d.Allowed ? "ALLOW" : "DENY")} {d.Code.ToCode()} ({d.Colour.ToWireName()}, {d.DisplayName}, occupancy {d.OccupancyAfter})");
}
