using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// What Redis's append-only file holds per scan, by command: read from the end of an incremental AOF written under
/// load (<c>citypass-loadtests aof-bytes FILE</c>). Every byte of it is written by redis-server's one thread (a
/// <c>write()</c> into the page cache on each pass of its event loop, between the commands it answers), fsynced once a
/// second and copied again by each rewrite, so bytes per scan are Redis CPU per scan. Scans are counted by their
/// <c>XADD</c>: the scan script appends one record to a stream per scan, and nothing else adds to those streams.
/// </summary>
public sealed record AofCommandBytes(long Scans, IReadOnlyList<AofCommandBytes.Command> Commands)
{
    /// <summary>One command's share: how often it was written, and its bytes in the file (the whole RESP array).</summary>
    public sealed record Command(string Name, long Calls, long Bytes);

    /// <summary>How much of a file's end is read unless told otherwise: some 20,000 scans at about 1 KB each, read in well under a second.</summary>
    public const int DefaultTailMegabytes = 20;

    public long TotalBytes => Commands.Sum(c => c.Bytes);

    public double BytesPerScan(long bytes) => Scans == 0 ? 0 : (double)bytes / Scans;

    /// <summary>Reads the last <paramref name="tailBytes"/> of <paramref name="path"/> (the rest would take minutes on a file of gigabytes).</summary>
    public static AofCommandBytes ReadTail(string path, long tailBytes)
    {
        using var file = File.OpenRead(path);
        var start = Math.Max(0, file.Length - tailBytes);
        file.Seek(start, SeekOrigin.Begin);
        var data = new byte[file.Length - start];
        file.ReadExactly(data);
        return Parse(data);
    }

    /// <summary>
    /// Counts the commands in <paramref name="data"/>, which may begin in the middle of one: parsing starts at the first
    /// transaction (<c>MULTI</c>, which every script's effects are wrapped in) and stops at a command cut off by the end.
    /// </summary>
    public static AofCommandBytes Parse(ReadOnlySpan<byte> data)
    {
        var first = data.IndexOf("*1\r\n$5\r\nMULTI\r\n"u8);
        if (first < 0) return new AofCommandBytes(0, []);
        var rest = data[first..];
        var counts = new Dictionary<string, (long Calls, long Bytes)>(StringComparer.Ordinal);
        while (TryReadCommand(ref rest, out var name, out var length))
        {
            var (calls, bytes) = counts.GetValueOrDefault(name);
            counts[name] = (calls + 1, bytes + length);
        }
        var commands = counts.Select(kv => new Command(kv.Key, kv.Value.Calls, kv.Value.Bytes)).OrderByDescending(c => c.Bytes).ToList();
        return new AofCommandBytes(counts.GetValueOrDefault("XADD").Calls, commands);
    }

    // One RESP array of bulk strings: *<n>\r\n then n times $<len>\r\n<bytes>\r\n. False at the end or a cut-off command.
    private static bool TryReadCommand(ref ReadOnlySpan<byte> rest, out string name, out int length)
    {
        name = "";
        length = 0;
        var span = rest;
        if (!TryReadHeader(ref span, (byte)'*', out var arguments) || arguments < 1) return false;
        for (var i = 0; i < arguments; i++)
        {
            if (!TryReadHeader(ref span, (byte)'$', out var size) || span.Length < size + 2) return false;
            if (i == 0) name = Encoding.ASCII.GetString(span[..size]).ToUpperInvariant();
            span = span[(size + 2)..];
        }
        length = rest.Length - span.Length;
        rest = span;
        return true;
    }

    private static bool TryReadHeader(ref ReadOnlySpan<byte> span, byte kind, out int value)
    {
        value = 0;
        var end = span.IndexOf("\r\n"u8);
        if (end < 2 || span[0] != kind) return false;
        if (!int.TryParse(span[1..end], NumberStyles.None, CultureInfo.InvariantCulture, out value)) return false;
        span = span[(end + 2)..];
        return true;
    }

    public string Markdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder().Append(c, $"{Scans:N0} scans, {TotalBytes:N0} bytes: **{BytesPerScan(TotalBytes):N0} bytes a scan**\n\n");
        sb.Append("| command | calls a scan | bytes a call | bytes a scan | share |\n|---|---:|---:|---:|---:|\n");
        foreach (var command in Commands)
        {
            sb.Append(c, $"| {command.Name} | {(double)command.Calls / Math.Max(1, Scans):0.000} | {(double)command.Bytes / command.Calls:N1} | ");
            sb.Append(c, $"{BytesPerScan(command.Bytes):N1} | {100.0 * command.Bytes / TotalBytes:0.0}% |\n");
        }
        return sb.ToString();
    }
}
