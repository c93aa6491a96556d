namespace CityPass.Redis;

/// <summary>
/// Finds where the next complete RESP frame ends, resuming across reads: it remembers how far into the
/// frame it has validated and how many children each open aggregate still expects, so bytes are looked
/// at once however the frame is split. Allocates nothing; throws <see cref="RedisProtocolException"/> only
/// on malformed input and otherwise answers "need more data".
/// </summary>
internal sealed class RespFrameScanner
{
    internal const int MaxDepth = 64;
    internal const int MaxLineLength = 64 * 1024;
    internal const int MaxBulkLength = 512 * 1024 * 1024;
    internal const int MaxAggregateLength = 16 * 1024 * 1024;

    private readonly int[] _remaining = new int[MaxDepth];
    private int _depth;
    private int _scanned;

    /// <summary>True when a whole frame starts at <paramref name="buffer"/>[0]; its length is returned and the scanner resets for the next frame.</summary>
    public bool TryFindFrame(ReadOnlySpan<byte> buffer, out int frameLength)
    {
        var position = _scanned;
        while (true)
        {
            if (!TryScanElement(buffer, ref position, out var children))
            {
                _scanned = position;
                frameLength = 0;
                return false;
            }

            if (children > 0)
            {
                if (_depth == MaxDepth) RespParser.ThrowProtocol("nesting deeper than " + MaxDepth);
                _remaining[_depth++] = children;
                continue;
            }

            while (_depth > 0 && --_remaining[_depth - 1] == 0) _depth--;
            if (_depth == 0)
            {
                _scanned = 0;
                frameLength = position;
                return true;
            }
        }
    }

    public void Reset()
    {
        _depth = 0;
        _scanned = 0;
    }

    /// <summary>Validates one element header (and a bulk body); leaves <paramref name="position"/> unchanged when incomplete.</summary>
    private static bool TryScanElement(ReadOnlySpan<byte> buffer, ref int position, out int children)
    {
        children = 0;
        if (!RespParser.TryReadLine(buffer, position, out var line, out var next)) return false;

        var type = buffer[position];
        switch (type)
        {
            case (byte)'+':
            case (byte)'-':
                break;
            case (byte)':':
                RespParser.ParseInteger(line);
                break;
            case (byte)'(':
                RespParser.ValidateBigNumber(line);
                break;
            case (byte)',':
                RespParser.ParseDouble(line);
                break;
            case (byte)'#':
                RespParser.ParseBoolean(line);
                break;
            case (byte)'_':
                if (!line.IsEmpty) RespParser.ThrowProtocol("null with a payload");
                break;
            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
                var length = RespParser.ParseLength(line, allowNull: type == (byte)'$', MaxBulkLength);
                if (length >= 0)
                {
                    if (buffer.Length - next < length + 2) return false;
                    if (buffer[next + length] != (byte)'\r' || buffer[next + length + 1] != (byte)'\n')
                        RespParser.ThrowProtocol("bulk string not terminated by CRLF");
                    next += length + 2;
                }
                break;
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
                children = Math.Max(0, RespParser.ParseLength(line, allowNull: type == (byte)'*', MaxAggregateLength));
                break;
            case (byte)'%':
                children = 2 * RespParser.ParseLength(line, allowNull: false, MaxAggregateLength);
                break;
            case (byte)'|':
                // Attributes precede the value they describe: count that value as one more child.
                children = 2 * RespParser.ParseLength(line, allowNull: false, MaxAggregateLength) + 1;
                break;
            default:
                RespParser.ThrowProtocol($"unknown type byte 0x{type:X2}");
                break;
        }

        position = next;
        return true;
    }
}
