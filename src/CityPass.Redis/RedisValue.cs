using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace CityPass.Redis;

/// <summary>
/// One command argument: text, bytes, an integer or a double. A struct with implicit conversions, so
/// callers write <c>client.ExecuteAsync("SET", key, 42)</c> and nothing is boxed or pre-encoded.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private enum Kind : byte { Null, Text, Bytes, Integer, Double }

    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;
    private readonly double _double;
    private readonly Kind _kind;

    private RedisValue(string? text, ReadOnlyMemory<byte> bytes, long integer, double number, Kind kind)
    {
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _double = number;
        _kind = kind;
    }

    public bool IsNull => _kind == Kind.Null;

    public static implicit operator RedisValue(string? value) => value is null ? default : new(value, default, 0, 0, Kind.Text);

    public static implicit operator RedisValue(byte[]? value) => value is null ? default : new(null, value, 0, 0, Kind.Bytes);

    public static implicit operator RedisValue(ReadOnlyMemory<byte> value) => new(null, value, 0, 0, Kind.Bytes);

    public static implicit operator RedisValue(long value) => new(null, default, value, 0, Kind.Integer);

    public static implicit operator RedisValue(int value) => new(null, default, value, 0, Kind.Integer);

    public static implicit operator RedisValue(double value) => new(null, default, 0, value, Kind.Double);

    public static RedisValue FromString(string? value) => value;

    public static RedisValue FromBytes(ReadOnlyMemory<byte> value) => value;

    public static RedisValue FromInt64(long value) => value;

    public static RedisValue FromDouble(double value) => value;

    /// <summary>Bytes this value takes on the wire (without the RESP framing).</summary>
    internal int EncodedLength => _kind switch
    {
        Kind.Null => 0,
        Kind.Text => Encoding.UTF8.GetByteCount(_text!),
        Kind.Bytes => _bytes.Length,
        Kind.Integer => IntegerLength(_integer),
        Kind.Double => 32,
    };

    /// <summary>Writes the value into <paramref name="destination"/> (sized from <see cref="EncodedLength"/>) and returns the bytes written.</summary>
    internal int WriteTo(Span<byte> destination)
    {
        switch (_kind)
        {
            case Kind.Null:
                return 0;
            case Kind.Text:
                return Encoding.UTF8.GetBytes(_text!, destination);
            case Kind.Bytes:
                _bytes.Span.CopyTo(destination);
                return _bytes.Length;
            case Kind.Integer:
                Utf8Formatter.TryFormat(_integer, destination, out var written);
                return written;
            default:
                if (double.IsPositiveInfinity(_double)) { "+inf"u8.CopyTo(destination); return 4; }
                if (double.IsNegativeInfinity(_double)) { "-inf"u8.CopyTo(destination); return 4; }
                _double.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
                return written;
        }
    }

    internal static int IntegerLength(long value)
    {
        if (value == long.MinValue) return 20;
        var length = value < 0 ? 2 : 1;
        var magnitude = (ulong)Math.Abs(value);
        while (magnitude >= 10) { magnitude /= 10; length++; }
        return length;
    }

    public override string ToString() => _kind switch
    {
        Kind.Null => "",
        Kind.Text => _text!,
        Kind.Bytes => Encoding.UTF8.GetString(_bytes.Span),
        Kind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        Kind.Double => _double.ToString("R", CultureInfo.InvariantCulture),
    };

    public bool Equals(RedisValue other)
    {
        return _kind == other._kind && _kind switch
        {
            Kind.Null => true,
            Kind.Text => _text == other._text,
            Kind.Bytes => _bytes.Span.SequenceEqual(other._bytes.Span),
            Kind.Integer => _integer == other._integer,
            Kind.Double => _double.Equals(other._double),
        };
    }

    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);
}
