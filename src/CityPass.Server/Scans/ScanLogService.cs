using System.Globalization;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// A scan as staff see it: no citizen id (operators don't need it), the masked name only. <see cref="LateUpload"/>: the
/// gate sent it long after <see cref="ScannedAt"/> (at <see cref="DecidedAt"/>); it was not counted in the occupancy.
/// <see cref="Offline"/>: the gate's own decision, for a scan from its offline journal (null otherwise);
/// <see cref="Disagrees"/>: the server, deciding after the fact, disagrees with it.
/// </summary>
public sealed record ScanView(Guid ScanId, Guid GateId, Guid VenueId, string Direction, string Decision, string Code, string Colour, string DisplayName,
    string Issuer, DateTimeOffset ScannedAt, DateTimeOffset DecidedAt, bool LateUpload, OfflineView? Offline, bool Disagrees)
{
    public static ScanView From(ScanRecord r) => new(r.ScanId, r.GateId, r.VenueId, r.Direction == ScanDirection.In ? "in" : "out",
        r.Allowed ? "allow" : "deny", r.Code.ToCode(), r.Colour.ToWireName(), r.DisplayName, r.Issuer.ToString(), r.ScannedAt, r.DecidedAt, r.LateUpload,
        r.Offline is { } o ? new OfflineView(o.Allowed ? "allow" : "deny", o.Code, o.Flagged) : null, r.Disagrees);
}

/// <summary>What the gate decided offline: 'allow' or 'deny', its reason, and whether it allowed unchecked on the venue's setting.</summary>
public sealed record OfflineView(string Decision, string Code, bool Flagged);

public sealed record ScanPage(IReadOnlyList<ScanView> Items, string? Next);

/// <summary><see cref="Disagreements"/>: only scans from gates' offline journals whose decision the server disagrees with.</summary>
public sealed record ScanFilter(DateTimeOffset? From, DateTimeOffset? To, bool? Allowed, Guid? GateId, string? Before, int? Limit, bool Disagreements = false);

/// <summary>Scan logs of a venue (paged, or streamed as CSV) and of a citizen, within the caller's scope.</summary>
public sealed class ScanLogService(IScanStore scans, VenueService venues)
{
    public async Task<Outcome<ScanPage>> VenueScansAsync(AccessScope scope, Guid venueId, ScanFilter filter, CancellationToken ct)
    {
        if (await venues.VisibleAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        if (ToQuery(filter, venueId) is not { } query) return Failure.Invalid("before", "Not a cursor this API gave out.");
        var records = await scans.QueryAsync(query, ct);
        return new ScanPage(records.Select(ScanView.From).ToList(), records.Count == query.Limit ? Cursor(ScanCursor.After(records[^1])) : null);
    }

    public async Task<Outcome<ScanPage>> CitizenScansAsync(CitizenPseudonym citizen, ScanFilter filter, CancellationToken ct)
    {
        if (ToQuery(filter, null) is not { } query) return Failure.Invalid("before", "Not a cursor this API gave out.");
        var records = await scans.QueryAsync(query with { CitizenId = citizen }, ct);
        return new ScanPage(records.Select(ScanView.From).ToList(), records.Count == query.Limit ? Cursor(ScanCursor.After(records[^1])) : null);
    }

    /// <summary>Writes the venue's scans in the filter as CSV, page by page, so any size streams in bounded memory.</summary>
    public async Task<Failure?> WriteVenueCsvAsync(AccessScope scope, Guid venueId, ScanFilter filter, Stream output, CancellationToken ct)
    {
        if (await venues.VisibleAsync(scope, venueId, ct) is null) return Failure.NotFound("Venue");
        if (ToQuery(filter with { Limit = 1000 }, venueId) is not { } query) return Failure.Invalid("before", "Not a cursor this API gave out.");
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        await writer.WriteLineAsync("scan_id,decided_at,scanned_at,gate_id,direction,decision,code,colour,display_name,issuer,late_upload," +
            "offline_decision,offline_code,offline_flagged,disagrees");
        while (true)
        {
            var page = await scans.QueryAsync(query, ct);
            foreach (var r in page.Select(ScanView.From))
            {
                // The offline columns are empty for scans the server decided live; the gate's code is its own text, so quoted.
                await writer.WriteLineAsync(string.Join(',',
                    r.ScanId, Iso(r.DecidedAt), Iso(r.ScannedAt), r.GateId, r.Direction, r.Decision, r.Code, r.Colour, CsvField(r.DisplayName), r.Issuer, Flag(r.LateUpload),
                    r.Offline?.Decision ?? "", r.Offline is { } o ? CsvField(o.Code) : "", r.Offline is { } f ? Flag(f.Flagged) : "", Flag(r.Disagrees)));
            }
            if (page.Count < query.Limit) break;
            query = query with { Before = ScanCursor.After(page[^1]) };
        }
        await writer.FlushAsync(ct);
        return null;
    }

    private static ScanQuery? ToQuery(ScanFilter f, Guid? venueId)
    {
        ScanCursor? before = null;
        if (f.Before is not null)
        {
            if (!TryParseCursor(f.Before, out var c)) return null;
            before = c;
        }
        return new ScanQuery(venueId, null, f.GateId, f.From, f.To, f.Allowed, before, Math.Clamp(f.Limit ?? 100, 1, 1000), f.Disagreements);
    }

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // Names are masked but still text a spreadsheet might run: quote, and defuse formulas.
    private static string CsvField(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string Cursor(ScanCursor c) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{c.DecidedAt.UtcTicks}:{c.ScanId:N}:{c.GateId:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryParseCursor(string text, out ScanCursor cursor)
    {
        cursor = default;
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || !Guid.TryParseExact(parts[1], "N", out var scanId) || !Guid.TryParseExact(parts[2], "N", out var gateId)) return false;
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
            cursor = new ScanCursor(new DateTimeOffset(ticks, TimeSpan.Zero), scanId, gateId);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
