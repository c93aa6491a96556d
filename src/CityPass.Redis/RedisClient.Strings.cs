namespace CityPass.Redis;

public sealed partial class RedisClient
{
    public Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("GET"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsString(), cancellationToken);
    }

    public Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("GET"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsBytes(), cancellationToken);
    }

    /// <summary>
    /// SET with an optional expiry (sent as PX, millisecond precision) and condition (NX/XX).
    /// Returns false when the condition stopped the write.
    /// </summary>
    public Task<bool> SetAsync(string key, RedisValue value, TimeSpan? expiry = null, SetCondition condition = SetCondition.Always,
        CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SET"u8, 2 + (expiry is null ? 0 : 2) + (condition == SetCondition.Always ? 0 : 1));
        writer.WriteKey(key);
        writer.Write(value);
        if (expiry is { } ttl)
        {
            writer.Write("PX"u8);
            writer.Write(ToMilliseconds(ttl));
        }

        if (condition == SetCondition.IfNotExists) writer.Write("NX"u8);
        else if (condition == SetCondition.IfExists) writer.Write("XX"u8);
        // A blocked NX/XX write answers nil rather than OK.
        return SendAsync(writer.ToCommand(), static reply => !reply.IsNull, cancellationToken);
    }

    /// <summary>DEL; true when the key existed.</summary>
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("DEL"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() > 0, cancellationToken);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("EXISTS"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() > 0, cancellationToken);
    }

    /// <summary>INCR, or INCRBY when <paramref name="by"/> is not 1; returns the new value.</summary>
    public Task<long> IncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter(by == 1 ? "INCR"u8 : "INCRBY"u8, by == 1 ? 1 : 2);
        writer.WriteKey(key);
        if (by != 1) writer.Write(by);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    /// <summary>DECR, or DECRBY when <paramref name="by"/> is not 1; returns the new value.</summary>
    public Task<long> DecrementAsync(string key, long by = 1, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter(by == 1 ? "DECR"u8 : "DECRBY"u8, by == 1 ? 1 : 2);
        writer.WriteKey(key);
        if (by != 1) writer.Write(by);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    /// <summary>EXPIRE for whole seconds, PEXPIRE otherwise; false when the key does not exist.</summary>
    public Task<bool> ExpireAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var milliseconds = ToMilliseconds(ttl);
        var wholeSeconds = milliseconds % 1000 == 0;
        var writer = new CommandWriter(wholeSeconds ? "EXPIRE"u8 : "PEXPIRE"u8, 2);
        writer.WriteKey(key);
        writer.Write(wholeSeconds ? milliseconds / 1000 : milliseconds);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() == 1, cancellationToken);
    }

    /// <summary>PTTL: the remaining time to live; null when the key is missing or has no expiry.</summary>
    public Task<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("PTTL"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null, cancellationToken);
    }

    private static long ToMilliseconds(TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "An expiry must be positive.");
        return Math.Max(1, (long)ttl.TotalMilliseconds);
    }
}
