using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace CityPass.Redis;

/// <summary>
/// Serialises one command as a RESP array of bulk strings straight into a pooled buffer: no per-argument
/// strings or arrays. Keys written with <see cref="WriteKey(RedisValue)"/> also yield the command's hash slot.
/// </summary>
internal ref struct CommandWriter
{
    private byte[] _buffer;
    private int _position;
    private int _slot = -1;
    private bool _crossSlot;
    private readonly int _nameOffset;
    private readonly int _nameLength;

    /// <param name="name">The command name, e.g. <c>"GET"u8</c>.</param>
    /// <param name="argumentCount">How many arguments follow the name.</param>
    public CommandWriter(ReadOnlySpan<byte> name, int argumentCount)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(128 + name.Length);
        WriteHeader((byte)'*', argumentCount + 1);
        WriteHeader((byte)'$', name.Length);
        _nameOffset = _position;
        _nameLength = name.Length;
        WriteRaw(name);
        WriteRaw("\r\n"u8);
    }

    public CommandWriter(RedisValue name, int argumentCount)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(128);
        WriteHeader((byte)'*', argumentCount + 1);
        var start = _position;
        Write(name);
        // Name offset skips the "$N\r\n" header just written.
        _nameOffset = start + 1 + RedisValue.IntegerLength(name.EncodedLength) + 2;
        _nameLength = _position - 2 - _nameOffset;
    }

    public void Write(scoped ReadOnlySpan<byte> value)
    {
        WriteHeader((byte)'$', value.Length);
        WriteRaw(value);
        WriteRaw("\r\n"u8);
    }

    public void Write(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        Write(digits[..written]);
    }

    public void Write(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteHeader((byte)'$', length);
        Ensure(length + 2);
        _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
        WriteRaw("\r\n"u8);
    }

    public void Write(RedisValue value)
    {
        var length = value.EncodedLength;
        if (length <= 32)
        {
            // Numbers are formatted first because their length is only known after formatting.
            Span<byte> small = stackalloc byte[32];
            Write(small[..value.WriteTo(small)]);
            return;
        }

        WriteHeader((byte)'$', length);
        Ensure(length + 2);
        _position += value.WriteTo(_buffer.AsSpan(_position));
        WriteRaw("\r\n"u8);
    }

    public void WriteKey(RedisValue key)
    {
        var start = _position;
        Write(key);
        // The key's bytes sit between its "$N\r\n" header and the trailing CRLF.
        var body = _buffer.AsSpan(start, _position - start - 2);
        TrackSlot(HashSlot.Of(body[(body.IndexOf((byte)'\n') + 1)..]));
    }

    public void WriteKey(string key) => WriteKey((RedisValue)key);

    public RedisCommand ToCommand()
    {
        var command = new RedisCommand(_buffer, _position, _nameOffset, _nameLength, _slot, _crossSlot);
        _buffer = null!;
        return command;
    }

    private void TrackSlot(int slot)
    {
        if (_slot == -1) _slot = slot;
        else if (_slot != slot) _crossSlot = true;
    }

    private void WriteHeader(byte type, int length)
    {
        Ensure(16);
        _buffer[_position++] = type;
        Utf8Formatter.TryFormat(length, _buffer.AsSpan(_position), out var written);
        _position += written;
        _buffer[_position++] = (byte)'\r';
        _buffer[_position++] = (byte)'\n';
    }

    private void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    private void Ensure(int extra)
    {
        if (_position + extra <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + extra));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
