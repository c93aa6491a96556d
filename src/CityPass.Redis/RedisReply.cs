using System.Globalization;
using System.Text;

namespace CityPass.Redis;

/// <summary>
/// One parsed reply. A struct over a single reference (bytes, error text or child replies) so that
/// integers and cached simple strings like +OK arrive without allocating.
/// </summary>
public readonly struct RedisReply
{
    private readonly object? _value;
    private readonly long _integer;

    internal RedisReply(RedisReplyKind kind, object? value, long integer = 0)
    {
        Kind = kind;
        _value = value;
        _integer = integer;
    }

    public RedisReplyKind Kind { get; }

    /// <summary>A null bulk string or array (RESP2 <c>$-1</c>/<c>*-1</c>) or RESP3 <c>_</c>.</summary>
    public bool IsNull => Kind == RedisReplyKind.Null || (_value is null && Kind is RedisReplyKind.BulkString or RedisReplyKind.Array);

    public bool IsError => Kind == RedisReplyKind.Error;

    internal static RedisReply Integer(long value) => new(RedisReplyKind.Integer, null, value);

    internal static RedisReply Double(double value) => new(RedisReplyKind.Double, null, BitConverter.DoubleToInt64Bits(value));

    internal static RedisReply Boolean(bool value) => new(RedisReplyKind.Boolean, null, value ? 1 : 0);

    internal static RedisReply Error(string message) => new(RedisReplyKind.Error, message);

    /// <summary>The error text of an error reply (e.g. "NOSCRIPT No matching script"), otherwise null.</summary>
    public string? ErrorMessage => Kind == RedisReplyKind.Error ? (string?)_value : null;

    /// <summary>The raw bytes of a string-like reply; empty for null and non-string kinds.</summary>
    public ReadOnlySpan<byte> Span => _value as byte[];

    public long AsInt64() => Kind switch
    {
        RedisReplyKind.Integer or RedisReplyKind.Boolean => _integer,
        RedisReplyKind.Double => (long)AsDouble(),
        RedisReplyKind.SimpleString or RedisReplyKind.BulkString or RedisReplyKind.BigNumber when _value is byte[] bytes
            && System.Buffers.Text.Utf8Parser.TryParse(bytes, out long parsed, out var used) && used == bytes.Length => parsed,
        _ => throw Unexpected("an integer"),
    };

    public double AsDouble() => Kind switch
    {
        RedisReplyKind.Double => BitConverter.Int64BitsToDouble(_integer),
        RedisReplyKind.Integer => _integer,
        RedisReplyKind.SimpleString or RedisReplyKind.BulkString when _value is byte[] bytes
            => double.Parse(Encoding.UTF8.GetString(bytes), NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw Unexpected("a number"),
    };

    public bool AsBoolean() => Kind switch
    {
        RedisReplyKind.Boolean or RedisReplyKind.Integer => _integer != 0,
        RedisReplyKind.SimpleString => Span.SequenceEqual("OK"u8),
        _ => throw Unexpected("a boolean"),
    };

    /// <summary>The reply as UTF-8 text; null for a null reply.</summary>
    public string? AsString() => Kind switch
    {
        RedisReplyKind.Null => null,
        RedisReplyKind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        RedisReplyKind.Double => AsDouble().ToString("R", CultureInfo.InvariantCulture),
        RedisReplyKind.Boolean => _integer != 0 ? "true" : "false",
        RedisReplyKind.Error => (string?)_value,
        _ when _value is byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ when _value is null => null,
        _ => throw Unexpected("a string"),
    };

    /// <summary>The reply's bytes (owned by this reply, not a pooled buffer); null for a null reply.</summary>
    public byte[]? AsBytes() => _value switch
    {
        byte[] bytes => bytes,
        null when IsNull => null,
        _ => throw Unexpected("a byte string"),
    };

    /// <summary>The children of an array, set, push or map (a map is flattened key, value, key, value).</summary>
    public RedisReply[]? AsArray() => _value switch
    {
        RedisReply[] items => items,
        null when IsNull => null,
        _ => throw Unexpected("an array"),
    };

    public int Length => _value switch
    {
        RedisReply[] items => items.Length,
        byte[] bytes => bytes.Length,
        _ => 0,
    };

    public RedisReply this[int index] => AsArray()![index];

    /// <summary>True when the reply is a string-like value equal to <paramref name="text"/> (ASCII, case-sensitive).</summary>
    public bool Is(ReadOnlySpan<byte> text) => _value is byte[] bytes && bytes.AsSpan().SequenceEqual(text);

    internal RedisServerException ToException() => new(ErrorMessage ?? "ERR unknown error");

    private InvalidCastException Unexpected(string wanted) =>
        Kind == RedisReplyKind.Error
            ? new InvalidCastException($"Expected {wanted} but the server replied with an error: {ErrorMessage}")
            : new InvalidCastException($"Expected {wanted} but the reply is {Kind}.");

    public override string ToString() => Kind switch
    {
        RedisReplyKind.Array or RedisReplyKind.Map or RedisReplyKind.Set or RedisReplyKind.Push when _value is RedisReply[] items
            => $"{Kind}[{string.Join(", ", items)}]",
        _ when IsNull => "(nil)",
        _ => $"{Kind}:{AsString()}",
    };
}
