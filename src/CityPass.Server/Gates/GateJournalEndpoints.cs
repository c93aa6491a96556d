using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Gates;

public static class GateJournalEndpoints
{
    public static void MapGateJournalEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/gates/me/journal", UploadAsync)
            .WithTags("Gates").RequireAuthorization(Policies.Gate).RequireRateLimiting(RateLimits.PerGate)
            // A batch is far past the small default limit; a body past this one is refused (413 body_too_large) before it is read.
            .WithMetadata(new RequestSizeLimitAttribute(GateJournalService.MaxBodyBytes))
            .WithSummary("Upload the calling gate's offline journal (1 to 500 entries a request): each scan is decided again as of its scannedAt and archived once per scanId, with the gate's own decision beside the server's.")
            .WithDescription("Idempotent per (gate, scanId): a batch sent again, or twice at once, archives nothing twice; an entry already archived (by an earlier upload, or the online attempt that reached the server) answers 'duplicate' with its first decision. " +
                             "Every entry is a late upload: it moves no occupancy, presence or replay mark. Capacity and anti-passback are not judged after the fact. " +
                             "A pass that does not verify now (a key revoked since, expired when scanned, ...) is recorded as refused (pass_refused) and answered with its token failure code; " +
                             "a text that is not a pass at all answers 'invalid' and is not archived. 'disagrees': the gate's offline decision differs from the server's. " +
                             "A batch that is not valid (no entries, more than 500, a repeated scanId, scannedAt out of range) answers 400 validation_failed and nothing is done; " +
                             "503 store_unavailable: nothing was archived that a resend would archive twice; send the batch again.");
    }

    private static async Task<Results<Ok<JournalUploadResult>, ProblemHttpResult>> UploadAsync(JournalUpload upload, HttpContext http, GateJournalService journal,
        CancellationToken ct) =>
        (await journal.UploadAsync(GateAuthenticationHandler.AuthenticatedGate(http), upload, ct)).ToOk();
}
