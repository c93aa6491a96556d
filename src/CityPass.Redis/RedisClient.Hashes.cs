namespace CityPass.Redis;

public sealed partial class RedisClient
{
    /// <summary>HSET of one field; true when the field is new.</summary>
    public Task<bool> HashSetAsync(string key, string field, RedisValue value, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("HSET"u8, 3);
        writer.WriteKey(key);
        writer.Write(field);
        writer.Write(value);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() == 1, cancellationToken);
    }

    /// <summary>HSET of several fields, e.g. <c>HashSetAsync(key, [("status", "green"), ("version", 3)])</c>; returns how many are new.</summary>
    public Task<long> HashSetAsync(string key, ReadOnlySpan<(string Field, RedisValue Value)> fields, CancellationToken cancellationToken = default)
    {
        if (fields.IsEmpty) throw new ArgumentException("HSET needs at least one field.", nameof(fields));
        var writer = new CommandWriter("HSET"u8, 1 + 2 * fields.Length);
        writer.WriteKey(key);
        foreach (var (field, value) in fields)
        {
            writer.Write(field);
            writer.Write(value);
        }

        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    public Task<string?> HashGetAsync(string key, string field, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("HGET"u8, 2);
        writer.WriteKey(key);
        writer.Write(field);
        return SendAsync(writer.ToCommand(), static reply => reply.AsString(), cancellationToken);
    }

    /// <summary>HGETALL; an empty dictionary when the key does not exist.</summary>
    public Task<Dictionary<string, string>> HashGetAllAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("HGETALL"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply =>
        {
            var items = reply.AsArray() ?? [];
            var result = new Dictionary<string, string>(items.Length / 2, StringComparer.Ordinal);
            for (var i = 0; i + 1 < items.Length; i += 2) result[items[i].AsString()!] = items[i + 1].AsString() ?? "";
            return result;
        }, cancellationToken);
    }

    public Task<bool> HashDeleteAsync(string key, string field, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("HDEL"u8, 2);
        writer.WriteKey(key);
        writer.Write(field);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() > 0, cancellationToken);
    }

    /// <summary>HINCRBY; returns the new value.</summary>
    public Task<long> HashIncrementAsync(string key, string field, long by = 1, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("HINCRBY"u8, 3);
        writer.WriteKey(key);
        writer.Write(field);
        writer.Write(by);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }
}
