using System.ComponentModel;
using System.Diagnostics;
using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Identify;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Scans;

/// <summary>
/// What a gate sends: the scanned text, its own id for this scan (retries reuse it), the direction, and when it scanned.
/// Direction and ScannedAt have defaults so the OpenAPI document lists them as optional, as they are.
/// </summary>
public sealed record ScanRequest(
    string? Text,
    Guid? ScanId,
    [property: Description("'in' (the default) or 'out'.")] string? Direction = null,
    [property: Description("When the gate scanned, by its own clock; the server's time when absent. Older than Scans:LateAfterSeconds: a late upload, recorded but not counted.")]
    DateTimeOffset? ScannedAt = null);

/// <summary>
/// What the gate gets: open or not, why, and what it may show. No more about the citizen's health than the colour.
/// <see cref="LateUpload"/>: the scan was recorded as a late upload; <see cref="Occupancy"/> is then today's, unchanged by it.
/// </summary>
public sealed record ScanResponse(string Decision, string Code, string Colour, string DisplayName, int Occupancy, Guid ScanId, bool Duplicate, bool LateUpload,
    [property: Description("The seat or zone to display: on an entry a ticket admitted, at a venue that requires a booking (the ticketing system's seat); null otherwise.")]
    string? Seat = null,
    [property: Description("At a venue whose policy identifies visitors (identify), on an allowed entry: the citizen's member id there and the claims they consented to share, or why not (code). Absent otherwise.")]
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    ScanIdentity? Identity = null);

/// <summary>
/// The scan-verify hot path: the pass is checked in-process (MAC tag for this city's passes,
/// signature for other cities'), then one hot-state call decides and records atomically.
/// </summary>
public sealed class ScanService(PassVerifier verifier, IHotState hot, ICitizenStore citizens, IScanStore archive, IdentifyService identify,
    TimeProvider clock, ScanMetrics metrics, IOptions<ScanOptions> options, ILogger<ScanService> logger)
{
    /// <summary>Pauses between tries to take back a refused scan while its store is still failing: about half a minute in all.</summary>
    private static readonly TimeSpan[] WithdrawRetries = [.. new[] { 250, 500, 1000, 2000, 4000, 8000, 16000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    private readonly ScanOptions _options = options.Value;

    /// <summary>How far a gate's scannedAt may lie from the server's clock (offline gates upload later, so the past is wide).</summary>
    public static readonly TimeSpan MaxScannedAtPast = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxScannedAtFuture = TimeSpan.FromMinutes(5);

    /// <summary>A scan at <paramref name="gate"/>, the entry its credential was just checked against.</summary>
    public async Task<Outcome<ScanResponse>> ScanAsync(GateEntry gate, ScanRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var now = clock.GetUtcNow();
        var invalid = Validate(request, now, out var direction);
        if (invalid is not null) return invalid;

        var verification = verifier.Verify(request.Text);
        if (!verification.IsValid)
        {
            metrics.Record("invalid", verification.Code, Stopwatch.GetElapsedTime(started));
            return new Failure(StatusCodes.Status422UnprocessableEntity, verification.Code, TokenTitle(verification.Failure));
        }

        var scannedAt = request.ScannedAt ?? now;
        var attempt = new ScanAttempt(request.ScanId!.Value, gate.Gate.Id, gate.Venue.Id, direction, verification.Claims, gate.Venue.Policy,
            scannedAt, now)
        {
            RunBy = started + (long)(_options.RunDeadline.TotalSeconds * Stopwatch.Frequency),
            LateUpload = _options.IsLateUpload(scannedAt, now),
            DedupeWindow = _options.DedupeWindow,
        };

        var outcome = (attempt.LateUpload ? await ArchivedAnswerAsync(attempt, started, cancellationToken) : null)
            ?? await DecideWithinBudgetAsync(attempt, started, cancellationToken);

        var r = outcome.Record;
        // One flag read for every other venue: nothing else happens on their path.
        var identity = attempt.Policy.Identify ? await IdentityAsync(gate, attempt, r, started, cancellationToken) : null;
        metrics.Record(r.Allowed ? "allow" : "deny", r.Code.ToCode(), Stopwatch.GetElapsedTime(started));
        return new ScanResponse(r.Allowed ? "allow" : "deny", r.Code.ToCode(), r.Colour.ToWireName(), r.DisplayName, outcome.Occupancy, r.ScanId, outcome.Duplicate,
            r.LateUpload, outcome.Seat, identity);
    }

    /// <summary>
    /// At an identifying venue: what the venue is told about whom it let in, within what is left of the scan's budget.
    /// Only a live entry that was allowed identifies (not a denial, an exit, or a late upload of an offline journal: the
    /// desk that asked is long gone); a lookup or log that fails or runs out of time shares nothing, and the decision stands.
    /// </summary>
    private async Task<ScanIdentity?> IdentityAsync(GateEntry gate, ScanAttempt attempt, ScanRecord r, long started, CancellationToken cancellationToken)
    {
        if (!r.Allowed || attempt.Direction != ScanDirection.In || r.LateUpload) return null;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(BudgetLeft(started));
        return await identify.IdentifyAsync(gate.Venue, attempt.Claims.Pseudonym, r.DisplayName, gate.Gate.Id, r.ScanId, attempt.Now, budget.Token);
    }

    /// <summary>
    /// The decision, or <see cref="StoreUnavailableException"/> once the budget is spent: the gate gets its 503 in
    /// time, and whatever is still on its way to a store carries the deadline (the hot state's script) or the
    /// budget's cancellation (PostgreSQL), so it does nothing when it arrives; what got there in time and was
    /// decided anyway is taken back (<see cref="WithdrawAfterRefusalAsync"/>).
    /// </summary>
    private async Task<ScanOutcome> DecideWithinBudgetAsync(ScanAttempt attempt, long started, CancellationToken cancellationToken)
    {
        var deciding = hot.ScanAsync(attempt, cancellationToken);
        try
        {
            // One timer per scan, and none when the hot state answers synchronously (embedded).
            var decided = await deciding.WaitAsync(BudgetLeft(started), cancellationToken);
            if (decided is not null) return decided;
        }
        // Task.WaitAsync's own timeout (the Redis client's is a subtype and is classified as it is).
        catch (TimeoutException e) when (e.GetType() == typeof(TimeoutException))
        {
            // A stall of this process can fire the timeout and complete the answer at the same moment: an answer
            // that is here is the truth, and giving it is better than a 503 for a scan that took effect.
            if (deciding.IsCompletedSuccessfully && deciding.Result is { } arrived) return arrived;
            _ = WithdrawAfterRefusalAsync(attempt, deciding, alsoTheUnknownCitizensRecord: false);
            throw new StoreUnavailableException(Store.HotState, "no answer within the scan budget", e);
        }
        // The connection closed under the call (a failover closes them all): the script may have run and its answer
        // been lost. The gate is told 503, so what may have counted is taken back as for a late answer.
        catch (Exception e) when (StoreFailures.Classify(e) is not null && StoreFailures.MayHaveTakenEffect(e))
        {
            _ = WithdrawAfterRefusalAsync(attempt, deciding, alsoTheUnknownCitizensRecord: false);
            throw;
        }
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(BudgetLeft(started));
        var loading = ScanAfterLoadingCitizenAsync(attempt, budget.Token);
        try
        {
            return await loading.WaitAsync(budget.Token);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _ = WithdrawAfterRefusalAsync(attempt, loading, alsoTheUnknownCitizensRecord: true);
            throw new StoreUnavailableException(Store.Records, "no answer within the scan budget", e);
        }
        catch (Exception e) when (StoreFailures.Classify(e) is not null && StoreFailures.MayHaveTakenEffect(e))
        {
            _ = WithdrawAfterRefusalAsync(attempt, loading, alsoTheUnknownCitizensRecord: true);
            throw;
        }
    }

    /// <summary>
    /// A scan answered 503 (its budget spent, or the store's connection lost under it) may have been decided all the
    /// same: its script started in time (before <see cref="ScanAttempt.RunBy"/>) and only its answer was late (a stall
    /// of this process or the network longer than the budget's last two fifths), or the answer was lost with the
    /// connection. Once the call has ended, the deadline has passed
    /// and nothing can start it any more, it is taken back (<see cref="IHotState.WithdrawAsync"/>): the venue's
    /// figures as if it never came, its record withdrawn from the archive, the gate's retry decided afresh. The
    /// record of an unknown citizen's scan goes straight to the archive, so that one is withdrawn there too. While the
    /// store keeps failing this is tried again for about half a minute; <c>citypass.scan.withdrawals</c> counts the outcomes.
    /// </summary>
    private async Task WithdrawAfterRefusalAsync(ScanAttempt attempt, Task pending, bool alsoTheUnknownCitizensRecord)
    {
        try
        {
            await pending;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The expected end of a refused scan: the store failed it, the budget cancelled it, or the script found its deadline passed.
        }
        var untilDeadline = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), attempt.RunBy);
        if (untilDeadline > TimeSpan.Zero) await Task.Delay(untilDeadline);

        for (var tried = 0; ; tried++)
        {
            try
            {
                var tookBack = await hot.WithdrawAsync(attempt, CancellationToken.None);
                // Written whether or not that record made it: a withdrawal with nothing to take back is a row no read shows.
                if (alsoTheUnknownCitizensRecord) await archive.InsertAsync([UnknownCitizensRecord(attempt) with { Withdrawn = true }], CancellationToken.None);
                metrics.Withdrawal(tookBack ? "taken_back" : "nothing_to_take_back");
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (tried < WithdrawRetries.Length)
                {
                    await Task.Delay(WithdrawRetries[tried]);
                    continue;
                }
                metrics.Withdrawal("failed");
                // The ids are the gate's own; nothing about the citizen is logged.
                logger.LogWarning("A scan refused for its budget could not be taken back ({Error}): gate {GateId}, scan {ScanId}; it may count although the gate was told 503.",
                    e.GetType().Name, attempt.GateId, attempt.ScanId);
                return;
            }
        }
    }

    /// <summary>
    /// The first answer to a late upload that repeats a scan already archived: a gate that got no answer in time,
    /// decided offline and sends its journal hours later, after the hot state's dedupe answer has gone
    /// (<see cref="ScanOptions.DedupeWindow"/>). Read-only, so a store that does not answer within the budget
    /// is a plain 503: the gate keeps the scan and sends it again.
    /// </summary>
    private async Task<ScanOutcome?> ArchivedAnswerAsync(ScanAttempt attempt, long started, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(BudgetLeft(started));
        try
        {
            // The first attempt was decided after the gate scanned, less the skew a gate's clock may run ahead.
            if (await archive.GetAsync(attempt.GateId, attempt.ScanId, attempt.ScannedAt - MaxScannedAtFuture, budget.Token) is not { } first) return null;
            return new ScanOutcome(first, await hot.GetOccupancyAsync(attempt.VenueId, budget.Token), Duplicate: true);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException(Store.Records, "no answer within the scan budget", e);
        }
    }

    // At least a millisecond: a scan whose checks alone used the budget still gets its answer (a 503) from here.
    private TimeSpan BudgetLeft(long started) =>
        TimeSpan.FromMilliseconds(Math.Max(1, (_options.Budget - Stopwatch.GetElapsedTime(started)).TotalMilliseconds));

    // The hot store lacks this citizen (new, evicted, or lost in a failover): load the hot copy
    // from the system of record and try once more. A citizen unknown there too is denied, and the
    // scan still goes to the archive.
    private async Task<ScanOutcome> ScanAfterLoadingCitizenAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var citizen = await citizens.GetAsync(attempt.Claims.Pseudonym!.Value, cancellationToken);
        if (citizen is not null)
        {
            await hot.PutCitizenAsync(citizen.ToHot(), cancellationToken);
            if (await hot.ScanAsync(attempt, cancellationToken) is { } outcome) return outcome;
        }
        var record = UnknownCitizensRecord(attempt);
        await archive.InsertAsync([record], cancellationToken);
        return new ScanOutcome(record, await hot.GetOccupancyAsync(attempt.VenueId, cancellationToken), Duplicate: false);
    }

    /// <summary>The denial of a pass whose citizen the city does not hold: decided by the rules alone, recorded straight in the archive.</summary>
    private static ScanRecord UnknownCitizensRecord(ScanAttempt attempt)
    {
        var decision = EntryRules.Decide(attempt.Claims, null, attempt.Policy, default, attempt.Direction, attempt.Now);
        return new ScanRecord(attempt.ScanId, attempt.GateId, attempt.VenueId, attempt.Direction, decision.Allowed, decision.Code,
            decision.Colour, decision.DisplayName, attempt.Claims.Pseudonym, attempt.Claims.Issuer, attempt.Claims.TokenId, attempt.ScannedAt, attempt.Now,
            attempt.LateUpload);
    }

    private static Failure? Validate(ScanRequest request, DateTimeOffset now, out ScanDirection direction)
    {
        direction = ScanDirection.In;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Text)) errors["text"] = ["The scanned text is required."];
        else if (request.Text.Length > PassTokenFormat.MaxTextLength)
        {
            return new Failure(StatusCodes.Status422UnprocessableEntity, TokenFailure.TooLarge.ToCode(), TokenTitle(TokenFailure.TooLarge));
        }
        if (request.ScanId is null || request.ScanId == Guid.Empty) errors["scanId"] = ["A scan id (UUID, new per scan, reused on retry) is required."];
        switch (request.Direction?.ToLowerInvariant())
        {
            case null or "in": break;
            case "out": direction = ScanDirection.Out; break;
            default: errors["direction"] = ["Direction is 'in' or 'out'."]; break;
        }
        if (request.ScannedAt is { } at && (at < now - MaxScannedAtPast || at > now + MaxScannedAtFuture))
        {
            errors["scannedAt"] = ["scannedAt is too far from the server's clock."];
        }
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }

    private static string TokenTitle(TokenFailure failure) => failure switch
    {
        TokenFailure.Expired => "The pass has expired: ask the citizen to refresh it.",
        TokenFailure.NotYetValid => "The pass is not valid yet: check the gate's clock.",
        TokenFailure.SignatureInvalid or TokenFailure.MacInvalid => "The pass is not authentic.",
        TokenFailure.KeyRevoked => "The pass was signed with a revoked key.",
        TokenFailure.UnknownIssuer => "The pass is from a city this system does not trust.",
        TokenFailure.IssuerTrustExpired => "The pass is from a trusted city whose signed key set has expired: it cannot be checked until a fresh one arrives.",
        TokenFailure.TooLarge => "The scanned text is too long to be a pass.",
        _ => "The scanned text is not a valid pass.",
    };
}
