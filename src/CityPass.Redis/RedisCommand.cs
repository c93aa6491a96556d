using System.Buffers;

namespace CityPass.Redis;

/// <summary>
/// A command already serialised to RESP in a pooled buffer, with the hash slot of its keys. Built once per
/// call and copied into the connection's write buffer, so redirects and NOSCRIPT retries resend the same
/// bytes without re-encoding. The owner disposes it exactly once.
/// </summary>
internal readonly struct RedisCommand : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;
    private readonly int _nameOffset;
    private readonly int _nameLength;

    internal RedisCommand(byte[] buffer, int length, int nameOffset, int nameLength, int slot, bool crossSlot)
    {
        _buffer = buffer;
        _length = length;
        _nameOffset = nameOffset;
        _nameLength = nameLength;
        Slot = slot;
        CrossSlot = crossSlot;
    }

    internal RedisCommand(RedisCommand command, bool crossSlot)
        : this(command._buffer, command._length, command._nameOffset, command._nameLength, command.Slot, crossSlot)
    {
    }

    /// <summary>The hash slot of the command's keys, or -1 when it names no key.</summary>
    public int Slot { get; }

    /// <summary>True when its keys hash to different slots: fine on one server, refused on a cluster.</summary>
    public bool CrossSlot { get; }

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    /// <summary>The command name as the caller wrote it; safe to log, unlike the arguments.</summary>
    public ReadOnlySpan<byte> Name => _buffer.AsSpan(_nameOffset, _nameLength);

    public string NameText => System.Text.Encoding.ASCII.GetString(Name).ToUpperInvariant();

    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
    }
}
