using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// A Lua script called by its SHA1 (EVALSHA: 20 bytes on the wire instead of the body). A server
/// without it (restarted, failed over, a cluster node that never ran it) answers NOSCRIPT; the
/// script did not run, so it is sent once as text, which loads it on the node that owns the keys, and
/// EVALSHA works there from then on. TRYAGAIN (a cluster slot half migrated) also means nothing ran:
/// retried after a short pause. Create each script once (a static field).
/// </summary>
public sealed class RedisScript
{
    private const int Attempts = 4;

    /// <summary>
    /// Every script's flags: on a primary or not at all. Left to the library's default (prefer the primary; it lets a
    /// replica serve EVALSHA), a call made while a failover leaves no primary known can go to a replica, where a
    /// script runs until its first write: one that answers before writing (the withdrawal finding nothing to take
    /// back, a scan finding no citizen) would answer from a node that is not the truth.
    /// </summary>
    public const CommandFlags OnPrimary = CommandFlags.DemandMaster;

    private static readonly ConcurrentQueue<RedisScript> All = new();

    public RedisScript(string lua)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lua);
        Lua = lua;
#pragma warning disable CA5350 // SHA1 is how Redis names scripts, not a security control
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(lua));
#pragma warning restore CA5350
        All.Enqueue(this);
    }

    /// <summary>
    /// SCRIPT LOAD of every script made so far on one server: done on every connect and reconnect
    /// (<see cref="RedisConnection"/>), so scans after a Redis restart or failover find their script
    /// instead of all meeting NOSCRIPT and sending its text at once.
    /// </summary>
    public static async Task LoadAllAsync(IServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        foreach (var script in All) await server.ScriptLoadAsync(script.Lua);
    }

    public string Lua { get; }

    /// <summary>The raw SHA1 of the body (what <see cref="IDatabaseAsync.ScriptEvaluateAsync(byte[], RedisKey[], RedisValue[], CommandFlags)"/> takes).</summary>
    public byte[] Sha1 { get; }

    /// <summary>Lower-case hex, as SCRIPT LOAD returns it.</summary>
    public string Sha1Hex => Convert.ToHexStringLower(Sha1);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync redis, RedisKey[] keys, RedisValue[] arguments)
    {
        ArgumentNullException.ThrowIfNull(redis);
        try
        {
            return await redis.ScriptEvaluateAsync(Sha1, keys, arguments, OnPrimary);
        }
        catch (RedisServerException e) when (NothingRan(e))
        {
            return await RecoverAsync(redis, keys, arguments, e);
        }
    }

    /// <summary>True when the server refused before running anything, so calling again is safe.</summary>
    public static bool NothingRan(RedisServerException e) =>
        e?.Kind is RedisErrorKind.NoScript or RedisErrorKind.TryAgain;

    /// <summary>The slow path after <paramref name="first"/> (see <see cref="NothingRan"/>); kept out of callers' hot methods.</summary>
    public async Task<RedisResult> RecoverAsync(IDatabaseAsync redis, RedisKey[] keys, RedisValue[] arguments, RedisServerException first)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(first);
        var error = first;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (error.Kind == RedisErrorKind.NoScript) return await redis.ScriptEvaluateAsync(Lua, keys, arguments, OnPrimary);
                // A slot moving between nodes: the migration usually ends within milliseconds.
                await Task.Delay(10 << attempt);
                return await redis.ScriptEvaluateAsync(Sha1, keys, arguments, OnPrimary);
            }
            catch (RedisServerException e) when (NothingRan(e) && attempt < Attempts)
            {
                error = e;
            }
        }
    }
}
