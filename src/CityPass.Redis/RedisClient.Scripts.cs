namespace CityPass.Redis;

public sealed partial class RedisClient
{
    /// <summary>
    /// Runs a Lua script by EVALSHA. Keys go to KEYS[], arguments to ARGV[]; on a cluster all keys must
    /// share a slot. The reply is the script's return value as Redis converts it (number → Integer,
    /// string → BulkString, table → Array, false → null, {err=...} → <see cref="RedisServerException"/>).
    /// The script is loaded on first NOSCRIPT and after every reconnect.
    /// </summary>
    public Task<RedisReply> EvaluateAsync(RedisScript script, ReadOnlySpan<RedisValue> keys = default, ReadOnlySpan<RedisValue> arguments = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        _scripts.TryAdd(script.Sha1, script);
        var writer = new CommandWriter("EVALSHA"u8, 2 + keys.Length + arguments.Length);
        writer.Write(script.Sha1);
        writer.Write(keys.Length);
        foreach (var key in keys) writer.WriteKey(key);
        foreach (var argument in arguments) writer.Write(argument);
        return SendAsync(writer.ToCommand(), static reply => reply, cancellationToken, script);
    }

    /// <summary>SCRIPT LOAD on every primary now, so the first EVALSHA needs no retry; optional.</summary>
    public async Task LoadScriptAsync(RedisScript script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        _scripts.TryAdd(script.Sha1, script);
        IEnumerable<RedisConnection> targets = _cluster is null ? [_connection!] : _cluster.Primaries;
        await Task.WhenAll(targets.Select(target => LoadScriptOnAsync(target, script, cancellationToken)));
    }

    private async Task LoadScriptOnAsync(RedisConnection connection, RedisScript script, CancellationToken cancellationToken)
    {
        Task<RedisReply> pending;
        using (var command = ScriptLoad(script)) pending = connection.SendAsync(command, asking: false, _options.CommandTimeout);
        var reply = await pending.WaitAsync(cancellationToken);
        if (reply.IsError) throw reply.ToException();
    }

    private static RedisCommand ScriptLoad(RedisScript script)
    {
        var writer = new CommandWriter("SCRIPT"u8, 2);
        writer.Write("LOAD"u8);
        writer.Write(script.Lua);
        return writer.ToCommand();
    }

    /// <summary>Handshake hook: a new or restarted server has an empty script cache, so refill it before callers return.</summary>
    private async Task ReloadScriptsAsync(ConnectionSession session, CancellationToken cancellationToken)
    {
        if (_scripts.IsEmpty) return;
        var loads = new List<Task<RedisReply>>(_scripts.Count);
        foreach (var script in _scripts.Values)
        {
            using var command = ScriptLoad(script);
            loads.Add(RedisConnection.SendDuringHandshakeAsync(session, command, _options.ConnectTimeout));
        }

        // A script the server refuses (a syntax error) must not block the reconnect; EVALSHA will report it.
        await Task.WhenAll(loads);
    }
}
