using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// How a <see cref="ScanRecord"/> is written to the scan stream (by the scan script) and read back (by the archiver;
/// a retry rebuilds it from its own attempt and the dedupe answer, <see cref="ParseDedupeAnswer"/>). A record is one
/// string, <see cref="Record"/>'s value, its fields separated by '|' in this order: decided_at | citizen_id | scan_id | gate_id | venue_id | direction | issuer | token_id | scanned_at |
/// late_upload (the head, written by the server: <see cref="Head"/>) | allowed | code | colour | name (appended by
/// the script once it has decided). The name comes last because it is the only field that may hold a '|'. One
/// string instead of fourteen fields is what makes the script cheap: one argument to read, one value to append and
/// to store. Codes and colours are their stable wire names, not enum numbers, so a reordered enum cannot silently
/// change archived history; times are Unix milliseconds, so a record read back equals the one the scan returned.
/// Entries written before the packed form (one field per value, named as the constants below) are still read.
/// </summary>
public static class ScanStreamFields
{
    /// <summary>The stream entry's field holding the packed record.</summary>
    public const string Record = "record";

    /// <summary>'1' on an entry that takes back an earlier scan's record (the withdrawal script writes it; see <see cref="ScanRecord.Withdrawn"/>).</summary>
    public const string Withdrawn = "withdrawn";

    private const char Separator = '|';

    // The fields of entries written before the packed form.
    public const string ScanId = "scan_id";
    public const string GateId = "gate_id";
    public const string VenueId = "venue_id";
    public const string Direction = "direction";
    public const string Allowed = "allowed";
    public const string Code = "code";
    public const string Colour = "colour";
    public const string Name = "name";
    public const string CitizenId = "citizen_id";
    public const string Issuer = "issuer";
    public const string TokenId = "token_id";
    public const string ScannedAt = "scanned_at";
    public const string DecidedAt = "decided_at";
    public const string LateUpload = "late_upload";

    private static readonly Dictionary<string, DecisionCode> Codes =
        Enum.GetValues<DecisionCode>().ToDictionary(c => c.ToCode(), StringComparer.Ordinal);

    public static string DirectionName(ScanDirection direction) => direction == ScanDirection.In ? "in" : "out";

    public static long ToUnixMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>The record as stored: times cut to whole milliseconds, in UTC.</summary>
    public static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>A time as a record stores it (whole milliseconds, UTC), so a record built here equals the one read back.</summary>
    public static DateTimeOffset AsStored(DateTimeOffset at) => FromUnixMs(ToUnixMs(at));

    public static DecisionCode ParseCode(string code) =>
        Codes.TryGetValue(code, out var parsed) ? parsed : throw new FormatException($"Unknown decision code '{code}'.");

    public static StatusColour ParseColour(string colour) =>
        StatusColourExtensions.TryParseWireName(colour, out var parsed) ? parsed : throw new FormatException($"Unknown colour '{colour}'.");

    /// <summary>The part of the packed record the server knows before the script decides, without the '|' that follows it.</summary>
    public static string Head(ScanAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        // At most 20 + 32 + 3 × 32 + 3 + 10 + 32 + 20 + 1 = 214 characters and 9 separators.
        Span<char> buffer = stackalloc char[256];
        var n = 0;
        Append(buffer, ref n, ToUnixMs(attempt.Now));
        if (attempt.Claims.Pseudonym is { } pseudonym) Append(buffer, ref n, pseudonym.Value);
        else buffer[n++] = Separator;
        Append(buffer, ref n, attempt.ScanId);
        Append(buffer, ref n, attempt.GateId);
        Append(buffer, ref n, attempt.VenueId);
        Append(buffer, ref n, DirectionName(attempt.Direction));
        Append(buffer, ref n, (long)attempt.Claims.Issuer.Code);
        Append(buffer, ref n, attempt.Claims.TokenId.Value);
        Append(buffer, ref n, ToUnixMs(attempt.ScannedAt));
        buffer[n++] = attempt.LateUpload ? '1' : '0';
        return new string(buffer[..n]);
    }

    // Each writes its field and the separator after it.
    private static void Append(Span<char> buffer, ref int n, long value)
    {
        if (!value.TryFormat(buffer[n..], out var written, provider: CultureInfo.InvariantCulture)) throw Overflow();
        n += written;
        buffer[n++] = Separator;
    }

    private static void Append(Span<char> buffer, ref int n, UInt128 id)
    {
        if (!id.TryFormat(buffer[n..], out var written, "x32", CultureInfo.InvariantCulture)) throw Overflow();
        n += written;
        buffer[n++] = Separator;
    }

    private static void Append(Span<char> buffer, ref int n, Guid id)
    {
        if (!id.TryFormat(buffer[n..], out var written, "N")) throw Overflow();
        n += written;
        buffer[n++] = Separator;
    }

    private static void Append(Span<char> buffer, ref int n, string text)
    {
        text.CopyTo(buffer[n..]);
        n += text.Length;
        buffer[n++] = Separator;
    }

    private static InvalidOperationException Overflow() => new("A scan record's head outgrew its buffer.");

    /// <summary>A packed record (<see cref="Record"/>'s value); throws <see cref="FormatException"/> when it is malformed.</summary>
    public static ScanRecord ParsePacked(ReadOnlySpan<char> packed, bool withdrawn = false)
    {
        var rest = packed;
        var decidedAt = ParseLong(Next(ref rest));
        var citizen = Next(ref rest);
        CitizenPseudonym? citizenId = null;
        if (citizen.Length > 0)
        {
            if (!CitizenPseudonym.TryParse(citizen, out var parsed)) throw new FormatException("Malformed citizen id.");
            citizenId = parsed;
        }
        var scanId = ParseGuid(Next(ref rest));
        var gateId = ParseGuid(Next(ref rest));
        var venueId = ParseGuid(Next(ref rest));
        var direction = ParseDirection(Next(ref rest));
        if (!IssuerId.TryParse(Next(ref rest).ToString(), out var issuer)) throw new FormatException("Malformed issuer.");
        if (!UInt128.TryParse(Next(ref rest), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var token)) throw new FormatException("Malformed token id.");
        var scannedAt = ParseLong(Next(ref rest));
        var late = ParseFlag(Next(ref rest));
        var allowed = ParseFlag(Next(ref rest));
        var code = ParseCode(Next(ref rest).ToString());
        var colour = ParseColour(Next(ref rest).ToString());
        // The rest, '|' and all, is the name.
        return new ScanRecord(scanId, gateId, venueId, direction, allowed, code, colour, rest.ToString(), citizenId, issuer, new TokenId(token),
            FromUnixMs(scannedAt), FromUnixMs(decidedAt), late)
        {
            Withdrawn = withdrawn,
        };
    }

    /// <summary>
    /// The first answer to <paramref name="attempt"/>'s scan id, from the scan script's dedupe answer
    /// (<c>&lt;told&gt;&lt;effect&gt;|&lt;occupancy&gt;|&lt;decided_at&gt;|&lt;late_upload&gt;|&lt;allowed&gt;|&lt;code&gt;|&lt;colour&gt;|&lt;name&gt;</c>):
    /// the decision and its time are the answer's, the ids and the scan time the retry's own, which a gate repeats.
    /// Throws <see cref="FormatException"/> when it is malformed.
    /// </summary>
    public static (ScanRecord Record, int Occupancy) ParseDedupeAnswer(ReadOnlySpan<char> answer, ScanAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        if (answer.Length < 3 || answer[2] != Separator) throw new FormatException("Malformed dedupe answer.");
        var rest = answer[3..];
        var occupancy = ParseLong(Next(ref rest));
        var decidedAt = ParseLong(Next(ref rest));
        var late = ParseFlag(Next(ref rest));
        var allowed = ParseFlag(Next(ref rest));
        var code = ParseCode(Next(ref rest).ToString());
        var colour = ParseColour(Next(ref rest).ToString());
        var a = attempt;
        var record = new ScanRecord(a.ScanId, a.GateId, a.VenueId, a.Direction, allowed, code, colour, rest.ToString(), a.Claims.Pseudonym,
            a.Claims.Issuer, a.Claims.TokenId, AsStored(a.ScannedAt), FromUnixMs(decidedAt), late);
        return (record, checked((int)occupancy));
    }

    private static ReadOnlySpan<char> Next(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOf(Separator);
        if (end < 0) throw new FormatException("A packed scan record has too few fields.");
        var field = rest[..end];
        rest = rest[(end + 1)..];
        return field;
    }

    // Every malformed field is a FormatException: the archiver parks such an entry instead of retrying it for ever.
    private static Guid ParseGuid(ReadOnlySpan<char> text) =>
        Guid.TryParseExact(text, "N", out var id) ? id : throw new FormatException("Malformed id.");

    private static bool ParseFlag(ReadOnlySpan<char> text) => text switch
    {
        "1" => true,
        "0" => false,
        _ => throw new FormatException("Malformed flag."),
    };

    private static long ParseLong(ReadOnlySpan<char> text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException("Malformed time.");

    private static ScanDirection ParseDirection(ReadOnlySpan<char> text) => text switch
    {
        "in" => ScanDirection.In,
        "out" => ScanDirection.Out,
        _ => throw new FormatException($"Unknown direction '{text}'."),
    };

    /// <summary>A stream entry's fields, as XREADGROUP returns them: the packed record, or the fields of an entry written before it.</summary>
    public static ScanRecord Parse(NameValueEntry[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Length > 0 && fields[0].Name == Record)
        {
            var withdrawn = fields.Length > 1 && fields[1].Name == Withdrawn && fields[1].Value == "1";
            return ParsePacked(((string?)fields[0].Value).AsSpan(), withdrawn);
        }
        var map = new Dictionary<string, string>(fields.Length, StringComparer.Ordinal);
        foreach (var field in fields) map[(string?)field.Name ?? ""] = (string?)field.Value ?? "";
        return Parse(map);
    }

    private static ScanRecord Parse(Dictionary<string, string> map)
    {
        string Get(string name) => map.TryGetValue(name, out var value) ? value : throw new FormatException($"Scan record field '{name}' is missing.");

        var citizen = Get(CitizenId);
        CitizenPseudonym? citizenId = null;
        if (citizen.Length > 0)
        {
            if (!CitizenPseudonym.TryParse(citizen, out var parsed)) throw new FormatException("Malformed citizen id.");
            citizenId = parsed;
        }

        if (!IssuerId.TryParse(Get(Issuer), out var issuer)) throw new FormatException("Malformed issuer.");
        var token = UInt128.Parse(Get(TokenId), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return new ScanRecord(
            Guid.Parse(Get(ScanId)),
            Guid.Parse(Get(GateId)),
            Guid.Parse(Get(VenueId)),
            ParseDirection(Get(Direction)),
            Get(Allowed) == "1",
            ParseCode(Get(Code)),
            ParseColour(Get(Colour)),
            Get(Name),
            citizenId,
            issuer,
            new TokenId(token),
            FromUnixMs(long.Parse(Get(ScannedAt), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            FromUnixMs(long.Parse(Get(DecidedAt), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            // Entries written before late uploads were flagged have no such field: they were live scans.
            LateUpload: map.TryGetValue(LateUpload, out var late) && late == "1")
        {
            Withdrawn = map.TryGetValue(Withdrawn, out var withdrawn) && withdrawn == "1",
        };
    }
}
