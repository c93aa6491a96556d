using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// How a <see cref="ScanRecord"/> is written as stream fields (by the scan script) and read back (by
/// the archiver, and from a dedupe answer). Codes and colours are stored as their stable wire names,
/// not enum numbers, so a reordered enum cannot silently change archived history; times are Unix
/// milliseconds, so a record read back equals the one the scan returned.
/// </summary>
public static class ScanStreamFields
{
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
    /// <summary>'1' on an entry that takes back an earlier scan's record (the withdrawal script writes it; see <see cref="ScanRecord.Withdrawn"/>).</summary>
    public const string Withdrawn = "withdrawn";

    private static readonly Dictionary<string, DecisionCode> Codes =
        Enum.GetValues<DecisionCode>().ToDictionary(c => c.ToCode(), StringComparer.Ordinal);

    public static string DirectionName(ScanDirection direction) => direction == ScanDirection.In ? "in" : "out";

    public static long ToUnixMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>The record as stored: times cut to whole milliseconds, in UTC.</summary>
    public static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DecisionCode ParseCode(string code) =>
        Codes.TryGetValue(code, out var parsed) ? parsed : throw new FormatException($"Unknown decision code '{code}'.");

    public static StatusColour ParseColour(string colour) =>
        StatusColourExtensions.TryParseWireName(colour, out var parsed) ? parsed : throw new FormatException($"Unknown colour '{colour}'.");

    /// <summary>Rebuilds a record; throws <see cref="FormatException"/> when a field is missing or malformed.</summary>
    public static ScanRecord Parse(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var map = new Dictionary<string, string>(fields.Count, StringComparer.Ordinal);
        foreach (var (key, value) in fields) map[key] = value;
        return Parse(map);
    }

    /// <summary>A stream entry's fields, as XREADGROUP returns them.</summary>
    public static ScanRecord Parse(NameValueEntry[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
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
            Get(Direction) switch { "in" => ScanDirection.In, "out" => ScanDirection.Out, var d => throw new FormatException($"Unknown direction '{d}'.") },
            Get(Allowed) == "1",
            ParseCode(Get(Code)),
            ParseColour(Get(Colour)),
            Get(Name),
            citizenId,
            issuer,
            new TokenId(token),
            FromUnixMs(long.Parse(Get(ScannedAt), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            FromUnixMs(long.Parse(Get(DecidedAt), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            // Entries and dedupe answers written before late uploads were flagged have no such field: they were live scans.
            LateUpload: map.TryGetValue(LateUpload, out var late) && late == "1")
        {
            Withdrawn = map.TryGetValue(Withdrawn, out var withdrawn) && withdrawn == "1",
        };
    }
}
