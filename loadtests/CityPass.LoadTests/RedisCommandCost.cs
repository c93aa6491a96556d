using System.Globalization;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// One Redis command's calls during a step, and the time redis-server spent executing them (INFO commandstats'
/// <c>usec</c>: the command itself, not reading, parsing or answering it). Commands a script calls are counted both
/// on their own line and inside the script's.
/// </summary>
public sealed record RedisCommandCost(string Command, long Calls, long Micros)
{
    /// <summary>Every command's cumulative calls and time so far.</summary>
    public static async Task<IReadOnlyDictionary<string, RedisCommandCost>> TakeAsync(IServer server) =>
        Parse((await server.InfoAsync("commandstats")).SelectMany(group => group));

    /// <summary>INFO commandstats' lines (<c>cmdstat_evalsha</c> = <c>calls=3,usec=40,...</c>) by command.</summary>
    public static IReadOnlyDictionary<string, RedisCommandCost> Parse(IEnumerable<KeyValuePair<string, string>> info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var costs = new Dictionary<string, RedisCommandCost>(StringComparer.Ordinal);
        foreach (var (key, value) in info)
        {
            if (!key.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            var fields = value.Split(',').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
            long Long(string name) => fields.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
            var command = key["cmdstat_".Length..];
            costs[command] = new RedisCommandCost(command, Long("calls"), Long("usec"));
        }
        return costs;
    }

    /// <summary>What each command cost between two snapshots, the costliest first; commands not called are left out.</summary>
    public static IReadOnlyList<RedisCommandCost> Between(IReadOnlyDictionary<string, RedisCommandCost> before, IReadOnlyDictionary<string, RedisCommandCost> after) =>
    [
        .. after.Values
            .Select(a => before.TryGetValue(a.Command, out var b) ? a with { Calls = a.Calls - b.Calls, Micros = a.Micros - b.Micros } : a)
            .Where(c => c.Calls > 0)
            .OrderByDescending(c => c.Micros).ThenBy(c => c.Command, StringComparer.Ordinal),
    ];
}
