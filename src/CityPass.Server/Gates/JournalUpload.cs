using System.ComponentModel;

namespace CityPass.Server.Gates;

/// <summary>A gate's offline journal, or a batch of it: the scans it decided on its own while the server did not answer.</summary>
public sealed record JournalUpload(
    [property: Description("1 to 500 journal entries, oldest first. Send a longer journal in batches; a batch may be sent again (idempotent per scanId).")]
    IReadOnlyList<JournalEntry>? Entries);

/// <summary>One scan the gate decided offline, as its journal holds it.</summary>
public sealed record JournalEntry(
    [property: Description("The gate's own id for this scan (UUID), unique within the batch; the id of the online attempt, if there was one.")]
    Guid? ScanId,
    [property: Description("The scanned text, as read.")]
    string? Text,
    [property: Description("When the gate scanned, by its own clock: within 7 days before and 5 minutes after the server's clock.")]
    DateTimeOffset? ScannedAt,
    [property: Description("What the gate decided on its own.")]
    JournalOfflineDecision? Offline,
    [property: Description("'in' (the default) or 'out'.")]
    string? Direction = null);

/// <summary>The gate's own decision on a scan, made offline.</summary>
public sealed record JournalOfflineDecision(
    [property: Description("'allow' or 'deny'.")]
    string? Decision,
    [property: Description("The gate's reason: a decision code (allowed, status_not_allowed, ...) or one of its own (e.g. a stale bundle); up to 64 printable characters.")]
    string? Code,
    [property: Description("True when the gate allowed without being able to check what only the server knows (a booking, capacity), as the venue's offline setting allows.")]
    bool Flagged = false);

/// <summary>The server's answer to a journal batch: one result per entry, in the order sent.</summary>
public sealed record JournalUploadResult(IReadOnlyList<JournalResult> Results);

/// <summary>What became of one journal entry.</summary>
public sealed record JournalResult(
    Guid ScanId,
    [property: Description("'recorded' (decided now, as of scannedAt, and archived), 'duplicate' (this gate's scanId was archived before: its first decision is given), or 'invalid' (not a pass at all: nothing archived).")]
    string Status,
    [property: Description("The server's decision: 'allow' or 'deny'.")]
    string Decision,
    [property: Description("The server's reason: a decision code, or for a pass that does not verify (and for 'invalid') the token failure code (key_revoked, expired, malformed, ...).")]
    string Code,
    [property: Description("The gate's offline decision differs from the server's.")]
    bool Disagrees)
{
    public const string Recorded = "recorded";
    public const string Duplicate = "duplicate";
    public const string Invalid = "invalid";
}
