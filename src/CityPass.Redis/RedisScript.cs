using System.Security.Cryptography;
using System.Text;

namespace CityPass.Redis;

/// <summary>
/// A Lua script identified by its SHA1. The client sends EVALSHA (only 40 bytes instead of the body),
/// loads the script on NOSCRIPT and retries once, and reloads every script it has seen after a reconnect.
/// Create each script once (e.g. a static field) and reuse it.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string lua)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lua);
        Lua = lua;
#pragma warning disable CA5350 // SHA1 is how Redis names scripts, not a security control
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(lua)));
#pragma warning restore CA5350
    }

    public string Lua { get; }

    /// <summary>Lower-case hex SHA1 of the script body, as SCRIPT LOAD returns it.</summary>
    public string Sha1 { get; }

    public override string ToString() => Sha1;
}
