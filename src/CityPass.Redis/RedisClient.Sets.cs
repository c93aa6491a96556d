namespace CityPass.Redis;

public sealed partial class RedisClient
{
    /// <summary>SADD of one member; true when it was not there yet.</summary>
    public Task<bool> SetAddAsync(string key, RedisValue member, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SADD"u8, 2);
        writer.WriteKey(key);
        writer.Write(member);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() == 1, cancellationToken);
    }

    public Task<bool> SetRemoveAsync(string key, RedisValue member, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SREM"u8, 2);
        writer.WriteKey(key);
        writer.Write(member);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64() == 1, cancellationToken);
    }

    public Task<bool> SetContainsAsync(string key, RedisValue member, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SISMEMBER"u8, 2);
        writer.WriteKey(key);
        writer.Write(member);
        return SendAsync(writer.ToCommand(), static reply => reply.AsBoolean(), cancellationToken);
    }

    public Task<string[]> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SMEMBERS"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => (reply.AsArray() ?? []).Select(static member => member.AsString()!).ToArray(), cancellationToken);
    }

    public Task<long> SetLengthAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("SCARD"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }
}
