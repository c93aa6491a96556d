using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityPass.Core.Federation;
using CityPass.Core.Gates;
using CityPass.Core.Keys;

namespace CityPass.Gate;

/// <summary>
/// What a gate learnt at enrolment and trusts from then on: its server, its id, its city, and the city's federation key,
/// pinned by the fingerprint in the enrolment link. Not secret (the credential is kept apart, readable by the gate's user only).
/// </summary>
public sealed record GateEnrolment(Uri Server, Guid GateId, string Issuer, string FederationSuite, string FederationPublicKey, string FederationFingerprint, DateTimeOffset EnrolledAt)
{
    internal VerificationKey FederationKey() => Core.Federation.FederationKey.ImportPublic(FederationSuite, FederationPublicKey);

    internal IssuerId IssuerId => IssuerId.TryParse(Issuer, out var id) ? id : throw new FormatException("The enrolment's issuer is not a city code.");

    /// <summary>
    /// Enrols from the link the console showed: fetches the city's federation key from the link's server and keeps it
    /// only if its fingerprint is the one in the link, then writes the state directory (the directory 0700, the
    /// credential 0600). Throws <see cref="GateEnrolmentException"/> with a reason a technician can act on.
    /// </summary>
    public static async Task<GateEnrolment> EnrolAsync(string linkText, string stateDirectory, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!EnrolmentLink.TryParse(linkText, out var link)) throw new GateEnrolmentException("not_an_enrolment_link", "The text is not an enrolment link from the console (…/gate/#credential=cpg_…&federation=…).");
        if (link.FederationFingerprint is null) throw new GateEnrolmentException("no_federation_fingerprint", "The link carries no federation key fingerprint: the city has no federation key, and a gate cannot check its bundles without one.");

        using var server = new GateServer(link.Server, link.Credential, TimeSpan.FromSeconds(10));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        FederationKeyWire published;
        try
        {
            published = await server.GetFederationKeyAsync(timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or GateServerException or JsonException)
        {
            throw new GateEnrolmentException("server_unreachable", $"The server at {link.Server} did not give its federation key: {e.Message}");
        }
        VerificationKey key;
        try
        {
            key = Core.Federation.FederationKey.ImportPublic(published.Suite, published.PublicKey);
        }
        catch (FormatException e)
        {
            throw new GateEnrolmentException("federation_key_invalid", e.Message);
        }
        var fingerprint = Core.Federation.FederationKey.FingerprintOf(key);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(fingerprint), Encoding.ASCII.GetBytes(link.FederationFingerprint)))
        {
            throw new GateEnrolmentException("federation_key_mismatch", "The server's federation key is not the one the enrolment link names: this is not the city's server, or the link is not this city's.");
        }
        if (!IssuerId.TryParse(published.Issuer, out _)) throw new GateEnrolmentException("federation_key_invalid", "The server's federation key names no city.");

        var enrolment = new GateEnrolment(link.Server, link.GateId, published.Issuer!, published.Suite!, published.PublicKey!, fingerprint, clock.GetUtcNow());
        RefuseToOrphanAJournal(stateDirectory, enrolment);
        GateStateDirectory.Write(stateDirectory, enrolment, link.Credential);
        return enrolment;
    }

    /// <summary>
    /// A new credential for the same gate (the old one revoked or lost) keeps the journal; another gate or server would
    /// upload this gate's offline decisions as its own, so with a backlog that is refused until it is synced.
    /// </summary>
    private static void RefuseToOrphanAJournal(string stateDirectory, GateEnrolment next)
    {
        if (!File.Exists(Path.Combine(stateDirectory, GateStateDirectory.EnrolmentFile))) return;
        var (current, _) = GateStateDirectory.Read(stateDirectory);
        if (current.GateId == next.GateId && current.Server == next.Server) return;
        var journal = Path.Combine(stateDirectory, GateStateDirectory.JournalFile);
        if (!File.Exists(journal)) return;
        using var open = GateJournal.Open(journal);
        if (open.Backlog() > 0)
        {
            throw new GateEnrolmentException("journal_backlog",
                $"This state directory holds {open.Backlog()} offline decisions of gate {current.GateId} not yet uploaded: run `citypass-gate sync` first, or enrol into another directory.");
        }
    }
}

public sealed class GateEnrolmentException(string code, string message) : Exception(message)
{
    /// <summary>Stable, for scripts: not_an_enrolment_link, no_federation_fingerprint, server_unreachable, federation_key_invalid, federation_key_mismatch, not_enrolled, journal_backlog.</summary>
    public string Code { get; } = code;
}
