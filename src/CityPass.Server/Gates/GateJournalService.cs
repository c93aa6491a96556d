using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Ticketing;
using CityPass.Server.Validation;
using CityPass.Server.Venues;

namespace CityPass.Server.Gates;

/// <summary>
/// A gate's offline journal, uploaded when the server is back: each scan is decided again by the server as of the
/// moment it was made, and archived once per (gate, scanId) with the gate's own decision beside the server's. These
/// scans describe the past: they are late uploads, archived directly, and move no occupancy, presence or replay mark.
/// </summary>
public sealed class GateJournalService(PassVerifier verifier, IHotState hot, ICitizenStore citizens, ITicketStore tickets, IScanStore archive, TimeProvider clock,
    GateJournalMetrics metrics, ILogger<GateJournalService> logger)
{
    public const int MaxEntries = 500;

    /// <summary>500 entries of the longest text a pass can be come to about 400 KB of JSON; more is refused before it is read.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public async Task<Outcome<JournalUploadResult>> UploadAsync(GateEntry gate, JournalUpload upload, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (Validate(upload, now, out var entries) is { } invalid) return invalid;

        // Each pass as of its scan; a text longer than any pass is refused by its length alone.
        var verifications = entries.Select(e => e.OutOfWindow is null ? verifier.Verify(e.Text, e.ScannedAt) : default).ToArray();
        var facts = await LoadCitizensAsync(gate.Venue, verifications, cancellationToken);
        // What the server cannot know after the fact is not judged: who was inside and how many (capacity, anti-passback).
        var policy = gate.Venue.Policy with { Capacity = null, AntiPassback = false };
        var decided = new Decided[entries.Count];
        var records = new List<ScanRecord>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            decided[i] = Decide(gate, policy, entries[i], verifications[i], facts, now);
            if (decided[i].Record is { } r) records.Add(r);
        }

        // The first attempt was decided after the gate scanned, less the skew a gate's clock may run ahead.
        var decidedFrom = entries.Where(e => e.OutOfWindow is null).Select(e => e.ScannedAt).DefaultIfEmpty(now).Min() - ScanService.MaxScannedAtFuture;
        var archived = records.Count > 0 ? await archive.InsertOnceAsync(records, decidedFrom, cancellationToken) : [];

        var results = new JournalResult[entries.Count];
        for (int i = 0, k = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var d = decided[i];
            JournalResult result;
            if (d.Record is null)
            {
                result = new JournalResult(e.ScanId, JournalResult.Invalid, "deny", d.Code, Disagrees: e.Offline.Allowed);
            }
            else if (archived[k++] is { } first)
            {
                result = new JournalResult(e.ScanId, JournalResult.Duplicate, first.Allowed ? "allow" : "deny", first.Code.ToCode(), e.Offline.Allowed != first.Allowed);
            }
            else
            {
                result = new JournalResult(e.ScanId, JournalResult.Recorded, d.Record.Allowed ? "allow" : "deny", d.Code, d.Record.Disagrees);
                if (d.Record.Disagrees) metrics.Disagreement(e.Offline.Allowed);
            }
            metrics.Entry(result.Status);
            results[i] = result;
        }
        var disagreements = results.Count(r => r.Status == JournalResult.Recorded && r.Disagrees);
        if (disagreements > 0)
        {
            // Ids only: nothing about the citizens.
            logger.LogInformation("Gate {GateId} uploaded {Entries} journal entries; the server disagrees with {Disagreements} of its offline decisions.",
                gate.Gate.Id, entries.Count, disagreements);
        }
        return new JournalUploadResult(results);
    }

    /// <summary>
    /// The batch's shape, all or nothing: a gate sends what it journalled, so a malformed entry is a bug to fix, not a scan
    /// to record. A text too long to be a pass is a scan (the gate read it), answered invalid entry by entry.
    /// </summary>
    private static Failure? Validate(JournalUpload upload, DateTimeOffset now, out IReadOnlyList<Entry> entries)
    {
        entries = [];
        var sent = upload.Entries;
        if (sent is null || sent.Count is 0 or > MaxEntries)
        {
            return Failure.Invalid("entries", $"1 to {MaxEntries} entries are required; send a longer journal in batches.");
        }
        var errors = new Dictionary<string, string[]>();
        var valid = new List<Entry>(sent.Count);
        var seen = new HashSet<Guid>();
        for (var i = 0; i < sent.Count; i++)
        {
            var at = $"entries[{i}]";
            if (sent[i] is not { } e)
            {
                errors[at] = ["An entry is required."];
                continue;
            }
            if (e.ScanId is not { } scanId || scanId == Guid.Empty) errors[at + ".scanId"] = ["A scan id (UUID) is required."];
            else if (!seen.Add(scanId)) errors[at + ".scanId"] = ["This scan id is already in the batch."];
            if (string.IsNullOrEmpty(e.Text)) errors[at + ".text"] = ["The scanned text is required."];
            var direction = ScanDirection.In;
            switch (e.Direction?.ToLowerInvariant())
            {
                case null or "in": break;
                case "out": direction = ScanDirection.Out; break;
                default: errors[at + ".direction"] = ["Direction is 'in' or 'out'."]; break;
            }
            // A scan from outside the window is still a scan the gate made: answered invalid on its own (too_old,
            // scanned_in_future), so a gate that was offline for more than a week does not resend a refused batch forever.
            string? outOfWindow = null;
            if (e.ScannedAt is not { } scannedAt) errors[at + ".scannedAt"] = ["When the gate scanned is required."];
            else if (scannedAt < now - ScanService.MaxScannedAtPast) outOfWindow = TooOld;
            else if (scannedAt > now + ScanService.MaxScannedAtFuture) outOfWindow = ScannedInFuture;
            OfflineDecision? offline = null;
            if (e.Offline is not { } o) errors[at + ".offline"] = ["The gate's offline decision is required."];
            else
            {
                bool? allowed = o.Decision?.ToLowerInvariant() switch { "allow" => true, "deny" => false, _ => null };
                if (allowed is null) errors[at + ".offline.decision"] = ["The offline decision is 'allow' or 'deny'."];
                // Shown in the console and exported as CSV: printable text only.
                if (FreeText.Check(o.Code, OfflineDecision.MaxCodeLength, "The offline code") is { } message) errors[at + ".offline.code"] = [message];
                else if (allowed is { } a) offline = new OfflineDecision(a, o.Code!.Trim(), o.Flagged);
            }
            if (errors.Count == 0) valid.Add(new Entry(e.ScanId!.Value, e.Text!, direction, e.ScannedAt!.Value, offline!, outOfWindow));
        }
        if (errors.Count > 0) return Failure.Invalid(errors);
        entries = valid;
        return null;
    }

    /// <summary>An entry decided: its record to archive (null when the text is not a pass at all) and the code to answer.</summary>
    private readonly record struct Decided(ScanRecord? Record, string Code);

    /// <summary>A validated entry.</summary>
    /// <param name="OutOfWindow">Why the server does not decide it: <see cref="TooOld"/> or <see cref="ScannedInFuture"/>; null for a scan it decides.</param>
    private sealed record Entry(Guid ScanId, string Text, ScanDirection Direction, DateTimeOffset ScannedAt, OfflineDecision Offline, string? OutOfWindow);

    /// <summary>Scanned longer ago than the archive takes (<see cref="ScanService.MaxScannedAtPast"/>, 7 days): answered invalid, not archived.</summary>
    public const string TooOld = "too_old";

    /// <summary>Scanned more than <see cref="ScanService.MaxScannedAtFuture"/> ahead of the server's clock: the gate's clock is wrong; answered invalid.</summary>
    public const string ScannedInFuture = "scanned_in_future";

    /// <summary>
    /// What the city holds about the citizens of a batch, read once each: the hot copy (or the record store's), a booking
    /// here, and the tickets here not cancelled (a ticket counts if it was valid when the gate scanned).
    /// </summary>
    private sealed record CitizenFacts(CitizenHotState? Citizen, bool HasBooking, IReadOnlyList<TicketWindow> Tickets);

    private static Decided Decide(GateEntry gate, VenuePolicy policy, Entry e, PassVerification verification, Dictionary<CitizenPseudonym, CitizenFacts> facts,
        DateTimeOffset now)
    {
        ScanRecord Record(bool allowed, DecisionCode code, StatusColour colour, string name, CitizenPseudonym? citizen, IssuerId issuer, TokenId token) =>
            new(e.ScanId, gate.Gate.Id, gate.Venue.Id, e.Direction, allowed, code, colour, name, citizen, issuer, token, e.ScannedAt, now, LateUpload: true)
            {
                Offline = e.Offline,
            };

        if (e.OutOfWindow is { } why) return new Decided(null, why);
        if (!verification.IsValid)
        {
            // A pass that decodes but does not verify now (a key revoked since, forged, expired when scanned) is archived
            // as refused, under what it claims to be: the operator sees the gate let in a pass that does not hold.
            if (PassVerifier.ReadUnverified(e.Text, out var clear) != TokenFailure.None) return new Decided(null, verification.Code);
            return new Decided(Record(false, DecisionCode.PassRefused, clear.Colour, NameMasking.Mask(null), null, clear.Issuer, clear.TokenId), verification.Code);
        }

        var claims = verification.Claims;
        var known = claims.Pseudonym is { } id ? facts[id] : null;
        var snapshot = known?.Citizen is { } c ? new CitizenSnapshot(c.Colour, c.StatusVersion, c.Credentials, null) : (CitizenSnapshot?)null;
        var ticket = known is null ? null : TicketWindow.Admitting(known.Tickets, e.ScannedAt);
        var situation = new VenueSituation(Occupancy: 0, CitizenInside: false, HasBooking: ticket is not null || (known?.HasBooking ?? false), TokenAlreadyEntered: false,
            Seat: ticket?.Seat);
        var decision = EntryRules.Decide(claims, snapshot, policy, situation, e.Direction, e.ScannedAt);
        return new Decided(Record(decision.Allowed, decision.Code, decision.Colour, known?.Citizen?.MaskedName ?? "*", claims.Pseudonym, claims.Issuer, claims.TokenId),
            decision.Code.ToCode());
    }

    /// <summary>
    /// The citizens named by the batch's passes of this city, each read once: from the hot state (together), else from
    /// the system of record; their bookings only where the venue requires one. A citizen the city does not hold is
    /// decided citizen_unknown, as a live scan is.
    /// </summary>
    private async Task<Dictionary<CitizenPseudonym, CitizenFacts>> LoadCitizensAsync(Venue venue, IEnumerable<PassVerification> verifications,
        CancellationToken cancellationToken)
    {
        var ids = verifications.Where(v => v.IsValid && v.Claims.Pseudonym is not null).Select(v => v.Claims.Pseudonym!.Value).Distinct().ToList();
        var facts = new Dictionary<CitizenPseudonym, CitizenFacts>(ids.Count);
        if (ids.Count == 0) return facts;
        // One call each, all in flight at once (pipelined on the Redis connection).
        var hotCopies = await Task.WhenAll(ids.Select(id => hot.GetCitizenAsync(id, cancellationToken)));
        // Every ticket of the batch's citizens that could have been valid at a scan the journal may hold, in one read.
        var held = venue.Policy.RequiresBooking
            ? (await tickets.CurrentAsync(venue.Id, ids, clock.GetUtcNow() - ScanService.MaxScannedAtPast, cancellationToken)).Tickets.ToLookup(t => t.CitizenId)
            : null;
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var citizen = hotCopies[i] ?? (await citizens.GetAsync(id, cancellationToken))?.ToHot();
            var booked = citizen is not null && venue.Policy.RequiresBooking
                && (await citizens.ListBookingsAsync(id, cancellationToken)).Any(b => b.VenueId == venue.Id);
            facts[id] = new CitizenFacts(citizen, booked, citizen is not null && held is not null ? [.. held[id].Select(t => t.Window)] : []);
        }
        return facts;
    }
}
