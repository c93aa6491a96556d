namespace CityPass.Redis;

public sealed partial class RedisClient
{
    /// <summary>
    /// XADD, e.g. <c>StreamAddAsync("events", [("gate", "G7"), ("result", "green")], StreamTrim.ToMaxLength(100_000))</c>;
    /// returns the new entry's id.
    /// </summary>
    public Task<string> StreamAddAsync(string key, ReadOnlySpan<(string Field, RedisValue Value)> fields, StreamTrim trim = default, string id = "*",
        CancellationToken cancellationToken = default)
    {
        if (fields.IsEmpty) throw new ArgumentException("XADD needs at least one field.", nameof(fields));
        var writer = new CommandWriter("XADD"u8, 2 + trim.ArgumentCount + 2 * fields.Length);
        writer.WriteKey(key);
        trim.WriteTo(ref writer);
        writer.Write(id);
        foreach (var (field, value) in fields)
        {
            writer.Write(field);
            writer.Write(value);
        }

        return SendAsync(writer.ToCommand(), static reply => reply.AsString()!, cancellationToken);
    }

    /// <summary>XGROUP CREATE (with MKSTREAM); false when the group already exists.</summary>
    public async Task<bool> StreamCreateGroupAsync(string key, string group, string startId = "$", CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(StreamCreateGroup(key, group, startId), static reply => reply, cancellationToken);
            return true;
        }
        catch (RedisServerException ex) when (ex.Prefix == "BUSYGROUP")
        {
            return false;
        }
    }

    private static RedisCommand StreamCreateGroup(string key, string group, string startId)
    {
        var writer = new CommandWriter("XGROUP"u8, 5);
        writer.Write("CREATE"u8);
        writer.WriteKey(key);
        writer.Write(group);
        writer.Write(startId);
        writer.Write("MKSTREAM"u8);
        return writer.ToCommand();
    }

    /// <summary>
    /// XREADGROUP of one stream without BLOCK (blocking would stall every caller on the shared connection):
    /// poll, or wake on a pub/sub notification. <paramref name="id"/> ">" reads new entries, "0" re-reads this consumer's pending ones.
    /// </summary>
    public Task<StreamEntry[]> StreamReadGroupAsync(string key, string group, string consumer, int count = 100, string id = ">", bool noAck = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var writer = new CommandWriter("XREADGROUP"u8, 8 + (noAck ? 1 : 0));
        writer.Write("GROUP"u8);
        writer.Write(group);
        writer.Write(consumer);
        writer.Write("COUNT"u8);
        writer.Write(count);
        if (noAck) writer.Write("NOACK"u8);
        writer.Write("STREAMS"u8);
        writer.WriteKey(key);
        writer.Write(id);
        return SendAsync(writer.ToCommand(), static reply =>
        {
            if (reply.IsNull) return [];
            // RESP2: [[stream, entries]]; RESP3: {stream: entries} (flattened to [stream, entries]).
            var streams = reply.AsArray()!;
            if (reply.Kind == RedisReplyKind.Map) return streams.Length >= 2 ? StreamEntry.ParseEntries(streams[1]) : [];
            return streams.Length > 0 && streams[0].Length >= 2 ? StreamEntry.ParseEntries(streams[0][1]) : [];
        }, cancellationToken);
    }

    public Task<long> StreamAcknowledgeAsync(string key, string group, string id, CancellationToken cancellationToken = default) =>
        StreamAcknowledgeAsync(key, group, [id], cancellationToken);

    /// <summary>XACK; returns how many entries were acknowledged.</summary>
    public Task<long> StreamAcknowledgeAsync(string key, string group, ReadOnlySpan<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.IsEmpty) throw new ArgumentException("XACK needs at least one id.", nameof(ids));
        var writer = new CommandWriter("XACK"u8, 2 + ids.Length);
        writer.WriteKey(key);
        writer.Write(group);
        foreach (var id in ids) writer.Write(id);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    /// <summary>XAUTOCLAIM: take over entries pending longer than <paramref name="minIdle"/> (a crashed consumer's work).</summary>
    public Task<StreamAutoClaimResult> StreamAutoClaimAsync(string key, string group, string consumer, TimeSpan minIdle, string startId = "0-0",
        int count = 100, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("XAUTOCLAIM"u8, 7);
        writer.WriteKey(key);
        writer.Write(group);
        writer.Write(consumer);
        writer.Write((long)minIdle.TotalMilliseconds);
        writer.Write(startId);
        writer.Write("COUNT"u8);
        writer.Write(count);
        return SendAsync(writer.ToCommand(), static reply =>
        {
            var parts = reply.AsArray()!;
            var deleted = parts.Length > 2 ? (parts[2].AsArray() ?? []).Select(static id => id.AsString()!).ToArray() : [];
            return new StreamAutoClaimResult(parts[0].AsString()!, StreamEntry.ParseEntries(parts[1]), deleted);
        }, cancellationToken);
    }

    /// <summary>XTRIM; returns how many entries were removed.</summary>
    public Task<long> StreamTrimAsync(string key, StreamTrim trim, CancellationToken cancellationToken = default)
    {
        if (!trim.IsSet) throw new ArgumentException("Give a MaxLength or a MinId.", nameof(trim));
        var writer = new CommandWriter("XTRIM"u8, 1 + trim.ArgumentCount);
        writer.WriteKey(key);
        trim.WriteTo(ref writer);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    public Task<long> StreamLengthAsync(string key, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("XLEN"u8, 1);
        writer.WriteKey(key);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }
}
