using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace CityPass.Redis;

/// <summary>
/// Turns a complete RESP2/RESP3 frame (found by <see cref="RespFrameScanner"/>) into a <see cref="RedisReply"/>.
/// Allocates only the reply itself: the bytes of bulk strings and the arrays of children.
/// </summary>
internal static class RespParser
{
    private static readonly byte[] Ok = "OK"u8.ToArray();
    private static readonly byte[] Pong = "PONG"u8.ToArray();
    private static readonly byte[] Queued = "QUEUED"u8.ToArray();

    /// <summary>One-shot parse: true with the reply when <paramref name="buffer"/> starts with a whole frame, false when more data is needed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RedisReply reply, out int consumed)
    {
        var scanner = new RespFrameScanner();
        if (!scanner.TryFindFrame(buffer, out consumed))
        {
            reply = default;
            return false;
        }

        reply = ReadFrame(buffer[..consumed]);
        return true;
    }

    /// <summary>Materialises a frame already validated by the scanner.</summary>
    public static RedisReply ReadFrame(ReadOnlySpan<byte> frame)
    {
        var position = 0;
        var reply = Read(frame, ref position);
        if (position != frame.Length) ThrowProtocol("trailing bytes after a frame");
        return reply;
    }

    private static RedisReply Read(ReadOnlySpan<byte> frame, ref int position)
    {
        if (!TryReadLine(frame, position, out var line, out var next)) ThrowProtocol("truncated frame");
        var type = frame[position];
        position = next;
        switch (type)
        {
            case (byte)'+':
                return new RedisReply(RedisReplyKind.SimpleString, SimpleString(line));
            case (byte)'-':
                return RedisReply.Error(Encoding.UTF8.GetString(line));
            case (byte)':':
                return RedisReply.Integer(ParseInteger(line));
            case (byte)'(':
                return new RedisReply(RedisReplyKind.BigNumber, line.ToArray());
            case (byte)',':
                return RedisReply.Double(ParseDouble(line));
            case (byte)'#':
                return RedisReply.Boolean(ParseBoolean(line));
            case (byte)'_':
                return new RedisReply(RedisReplyKind.Null, null);
            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
            {
                var length = ParseLength(line, allowNull: type == (byte)'$', RespFrameScanner.MaxBulkLength);
                if (length < 0) return new RedisReply(RedisReplyKind.BulkString, null);
                var body = frame.Slice(position, length);
                position += length + 2;
                if (type == (byte)'!') return RedisReply.Error(Encoding.UTF8.GetString(body));
                // Verbatim strings start with a 3-letter format and a colon ("txt:"); callers want the text.
                if (type == (byte)'=') return new RedisReply(RedisReplyKind.VerbatimString, body.Length >= 4 ? body[4..].ToArray() : body.ToArray());
                return new RedisReply(RedisReplyKind.BulkString, length == 0 ? [] : body.ToArray());
            }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            {
                var count = ParseLength(line, allowNull: type == (byte)'*', RespFrameScanner.MaxAggregateLength);
                if (count < 0) return new RedisReply(RedisReplyKind.Array, null);
                if (type == (byte)'%') count *= 2;
                var items = count == 0 ? [] : new RedisReply[count];
                for (var i = 0; i < items.Length; i++) items[i] = Read(frame, ref position);
                var kind = type switch
                {
                    (byte)'~' => RedisReplyKind.Set,
                    (byte)'>' => RedisReplyKind.Push,
                    (byte)'%' => RedisReplyKind.Map,
                    _ => RedisReplyKind.Array,
                };
                return new RedisReply(kind, items);
            }
            case (byte)'|':
            {
                // Attributes are metadata the client does not use: skip them and return the value they annotate.
                var pairs = ParseLength(line, allowNull: false, RespFrameScanner.MaxAggregateLength);
                for (var i = 0; i < pairs * 2; i++) Read(frame, ref position);
                return Read(frame, ref position);
            }
            default:
                ThrowProtocol($"unknown type byte 0x{type:X2}");
                return default;
        }
    }

    private static byte[] SimpleString(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("OK"u8)) return Ok;
        if (line.SequenceEqual("PONG"u8)) return Pong;
        if (line.SequenceEqual("QUEUED"u8)) return Queued;
        return line.ToArray();
    }

    /// <summary>Finds the CRLF-terminated line after the type byte at <paramref name="start"/>; false when it has not fully arrived.</summary>
    internal static bool TryReadLine(ReadOnlySpan<byte> buffer, int start, out ReadOnlySpan<byte> line, out int next)
    {
        line = default;
        next = start;
        if (start >= buffer.Length) return false;

        var searchable = buffer[(start + 1)..];
        var window = searchable.Length > RespFrameScanner.MaxLineLength ? searchable[..RespFrameScanner.MaxLineLength] : searchable;
        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (window.Length == RespFrameScanner.MaxLineLength) ThrowProtocol("line longer than " + RespFrameScanner.MaxLineLength + " bytes");
            // A CR that is followed by anything but LF can already be rejected.
            var cr = window.IndexOf((byte)'\r');
            if (cr >= 0 && cr < window.Length - 1) ThrowProtocol("CR not followed by LF");
            return false;
        }

        if (lf == 0 || window[lf - 1] != (byte)'\r') ThrowProtocol("LF not preceded by CR");
        line = window[..(lf - 1)];
        if (line.IndexOf((byte)'\r') >= 0) ThrowProtocol("CR inside a line");
        next = start + 1 + lf + 1;
        return true;
    }

    internal static long ParseInteger(ReadOnlySpan<byte> line)
    {
        if (!Utf8Parser.TryParse(line, out long value, out var used) || used != line.Length || line[0] == (byte)'+')
            ThrowProtocol("invalid integer");
        return value;
    }

    internal static int ParseLength(ReadOnlySpan<byte> line, bool allowNull, int max)
    {
        var value = ParseInteger(line);
        if (value == -1 && allowNull) return -1;
        if (value < 0 || value > max) ThrowProtocol($"invalid length {value}");
        return (int)value;
    }

    internal static double ParseDouble(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("inf"u8)) return double.PositiveInfinity;
        if (line.SequenceEqual("-inf"u8)) return double.NegativeInfinity;
        if (line.SequenceEqual("nan"u8)) return double.NaN;
        if (!line.IsEmpty && double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        ThrowProtocol("invalid double");
        return 0;
    }

    internal static bool ParseBoolean(ReadOnlySpan<byte> line)
    {
        if (line.Length == 1 && line[0] == (byte)'t') return true;
        if (line.Length == 1 && line[0] == (byte)'f') return false;
        ThrowProtocol("invalid boolean");
        return false;
    }

    internal static void ValidateBigNumber(ReadOnlySpan<byte> line)
    {
        var digits = line.Length > 0 && line[0] == (byte)'-' ? line[1..] : line;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')) ThrowProtocol("invalid big number");
    }

    [DoesNotReturn]
    internal static void ThrowProtocol(string problem) => throw new RedisProtocolException("Malformed RESP: " + problem + ".");
}
