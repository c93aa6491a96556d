using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// One scan as recorded: the gate's question and the answer it got. <see cref="CitizenId"/> is
/// known for this city's passes and null for other cities' (their passes hide who it is).
/// <see cref="ScanId"/> is chosen by the gate and makes its retries idempotent; it is unique per gate
/// only, so a scan is named by (<see cref="GateId"/>, <see cref="ScanId"/>) everywhere (the archive
/// adds <see cref="DecidedAt"/>, see <see cref="IScanStore"/>): another gate's id, reused by mistake
/// or on purpose, can never stand in for this scan.
/// <see cref="LateUpload"/>: the gate sent the scan long after <see cref="ScannedAt"/> (see <see cref="ScanOptions.LateAfterSeconds"/>);
/// it was decided by the same rules but describes the past, so it moved no live counter, presence or replay mark.
/// <see cref="Offline"/>: the gate's own decision, for a scan from its offline journal (always a late upload); null for
/// every scan the server decided while the gate waited.
/// </summary>
public sealed record ScanRecord(
    Guid ScanId,
    Guid GateId,
    Guid VenueId,
    ScanDirection Direction,
    bool Allowed,
    DecisionCode Code,
    StatusColour Colour,
    string DisplayName,
    CitizenPseudonym? CitizenId,
    IssuerId Issuer,
    TokenId TokenId,
    DateTimeOffset ScannedAt,
    DateTimeOffset DecidedAt,
    bool LateUpload = false)
{
    /// <summary>
    /// Takes back the record with the same key: the API answered this scan 503 (its store's answer came after the
    /// budget), so it must not count (<see cref="IHotState.WithdrawAsync"/>). Whether it reaches the archive before
    /// or after the record it takes back, no query shows either.
    /// </summary>
    public bool Withdrawn { get; init; }

    public OfflineDecision? Offline { get; init; }

    /// <summary>The gate decided offline otherwise than the server did after the fact: a citizen let in who should not have been, or the reverse.</summary>
    public bool Disagrees => Offline is { } o && o.Allowed != Allowed;
}

/// <summary>
/// Filters for scan logs, newest first (DecidedAt, then ScanId, then GateId, descending). Page with
/// <see cref="Before"/>: the last record of the previous page. <see cref="Disagreements"/>: only offline decisions the
/// server disagrees with (<see cref="ScanRecord.Disagrees"/>).
/// </summary>
public sealed record ScanQuery(
    Guid? VenueId = null,
    CitizenPseudonym? CitizenId = null,
    Guid? GateId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    bool? Allowed = null,
    ScanCursor? Before = null,
    int Limit = 100,
    bool Disagreements = false);

/// <summary>
/// A position in the newest-first order: records strictly older than this come next. GateId is part
/// of it because two gates may send the same ScanId, even within one millisecond.
/// </summary>
public readonly record struct ScanCursor(DateTimeOffset DecidedAt, Guid ScanId, Guid GateId)
{
    public static ScanCursor After(ScanRecord last) => new(last.DecidedAt, last.ScanId, last.GateId);

    /// <summary>The newest-first order of records: DecidedAt, ScanId, GateId, each descending, ids as <see cref="CompareIds"/> orders them.</summary>
    public static int NewestFirst(ScanRecord a, ScanRecord b)
    {
        var byTime = b.DecidedAt.CompareTo(a.DecidedAt);
        if (byTime != 0) return byTime;
        var byScan = CompareIds(b.ScanId, a.ScanId);
        return byScan != 0 ? byScan : CompareIds(b.GateId, a.GateId);
    }

    /// <summary>True when <paramref name="record"/> is strictly older than this position, so on a later page.</summary>
    public bool Precedes(ScanRecord record)
    {
        if (record.DecidedAt != DecidedAt) return record.DecidedAt < DecidedAt;
        var byScan = CompareIds(record.ScanId, ScanId);
        return byScan != 0 ? byScan < 0 : CompareIds(record.GateId, GateId) < 0;
    }

    /// <summary>
    /// Orders ids (scan and gate) as PostgreSQL orders uuid values (bytes in RFC 4122 order), which is not
    /// Guid.CompareTo's order: every store must page the same way.
    /// </summary>
    public static int CompareIds(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16], y = stackalloc byte[16];
        a.TryWriteBytes(x, bigEndian: true, out _);
        b.TryWriteBytes(y, bigEndian: true, out _);
        return x.SequenceCompareTo(y);
    }
}
