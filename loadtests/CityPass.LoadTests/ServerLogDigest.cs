using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// A message the server logged at warning level or above: in which log (a restarted server writes a new one), how
/// many times, and when first, in seconds from the start of the load (null when the line had no timestamp).
/// </summary>
public sealed record LoggedMessage(string Log, string Level, string Category, string Message, int Count, double? FirstAtSeconds);

/// <summary>
/// What the server said about the faults, from its console logs (Production, warnings and above): each distinct
/// message once, in order of first appearance, with a count. The simple console format puts "[time ]warn: Category[id]"
/// on one line and the message on the next; exception details follow, indented, and are left out. The fault run
/// asks the server for UTC timestamps (<see cref="TimestampFormat"/>), so a message can be placed on the time line.
/// </summary>
public static class ServerLogDigest
{
    /// <summary>Logging:Console:TimestampFormat for the server, with UseUtcTimestamp.</summary>
    public const string TimestampFormat = "HH:mm:ss.fff ";

    private static readonly Dictionary<string, string> Levels = new(StringComparer.Ordinal) { ["warn"] = "warning", ["fail"] = "error", ["crit"] = "critical" };

    /// <param name="zeroUtc">The start of the load (UTC), which message times are measured from.</param>
    public static IReadOnlyList<LoggedMessage> Read(IEnumerable<string> logFiles, DateTime zeroUtc, int max = 80)
    {
        ArgumentNullException.ThrowIfNull(logFiles);
        var messages = new List<LoggedMessage>();
        foreach (var file in logFiles) messages.AddRange(Digest(Path.GetFileName(file), File.ReadLines(file), zeroUtc));
        return [.. messages.Take(max)];
    }

    public static IReadOnlyList<LoggedMessage> Digest(string log, IEnumerable<string> lines, DateTime zeroUtc)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var found = new List<LoggedMessage>();
        var index = new Dictionary<(string, string, string), int>();
        (string Level, string Category, double? At)? header = null;
        foreach (var raw in lines)
        {
            if (header is { } h)
            {
                var message = raw.Trim();
                var key = (h.Level, h.Category, Shape(message));
                if (index.TryGetValue(key, out var i)) found[i] = found[i] with { Count = found[i].Count + 1 };
                else
                {
                    index[key] = found.Count;
                    found.Add(new LoggedMessage(log, h.Level, h.Category, message.Length > MaxMessage ? message[..MaxMessage] + " ..." : message, 1, h.At));
                }
                header = null;
                continue;
            }
            var (line, at) = WithoutTimestamp(raw.TrimStart('\uFEFF'), zeroUtc);
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && Levels.TryGetValue(line[..colon], out var name))
            {
                var rest = line[(colon + 2)..];
                var bracket = rest.IndexOf('[', StringComparison.Ordinal);
                header = (name, bracket > 0 ? rest[..bracket] : rest, at);
            }
        }
        return found;
    }

    /// <summary>Long messages (a Redis client's timeout lists its whole state) are cut here.</summary>
    private const int MaxMessage = 240;

    /// <summary>
    /// What makes two messages the same one: the text without its figures (elapsed ms, counters, ports), up to where a
    /// long message starts listing state. "Timeout awaiting response (... 284ms elapsed ...)" is one message, however often.
    /// </summary>
    public static string Shape(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = message.Length > 120 ? message[..120] : message;
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) sb.Append(c);
            else if (sb.Length == 0 || sb[^1] != '#') sb.Append('#');
        }
        return sb.ToString();
    }

    /// <summary>The line without its leading time of day, and that time in seconds from <paramref name="zeroUtc"/> (the nearest such moment: the log has no date).</summary>
    private static (string Line, double? At) WithoutTimestamp(string line, DateTime zeroUtc)
    {
        var length = TimestampFormat.Length;
        if (line.Length < length || !TimeSpan.TryParseExact(line[..(length - 1)], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time)) return (line, null);
        var seconds = (time - zeroUtc.TimeOfDay).TotalSeconds;
        const double Day = 24 * 3600;
        if (seconds > Day / 2) seconds -= Day;
        if (seconds <= -Day / 2) seconds += Day;
        return (line[length..], seconds);
    }
}
