using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>A silo's row in the membership table: its name there (address, port, generation), its port and its status.</summary>
public sealed record SiloRow(string Silo, int Port, string Status)
{
    public bool IsActive => Status == nameof(SiloStatus.Active);
}

/// <summary>
/// The Orleans membership table the server processes share in Redis (Orleans.Clustering.Redis: a hash under
/// the cluster's key, a JSON row per silo named by its address, and the table's version). The grain run
/// reads it to know the replicas' silos have joined one cluster before it measures them as one.
/// </summary>
public static partial class ClusterMembership
{
    private const string VersionField = "Version";

    /// <summary>The table's key, as the server's silos name it (the server's default service id, the run's cluster id).</summary>
    public static RedisKey Key(string clusterId) =>
        RedisClusteringOptions.DefaultCreateRedisKey(new ClusterOptions { ClusterId = clusterId, ServiceId = new CityPass.Server.Cluster.SiloOptions().ServiceId });

    public static async Task<IReadOnlyList<SiloRow>> ReadAsync(IDatabase redis, RedisKey key)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return Parse(await redis.HashGetAllAsync(key));
    }

    /// <summary>The silos' rows; a row's status is the SiloStatus name whether the row holds it as a number or a name.</summary>
    public static IReadOnlyList<SiloRow> Parse(IEnumerable<HashEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var rows = new List<SiloRow>();
        foreach (var entry in entries)
        {
            var name = entry.Name.ToString();
            if (name == VersionField) continue;
            var address = SiloName().Match(name);
            if (!address.Success) continue;
            using var row = JsonDocument.Parse(entry.Value.ToString());
            var status = row.RootElement.TryGetProperty("Status", out var s)
                ? s.ValueKind == JsonValueKind.Number ? ((SiloStatus)s.GetInt32()).ToString() : s.GetString() ?? "?"
                : "?";
            rows.Add(new SiloRow(name, int.Parse(address.Groups["port"].Value, CultureInfo.InvariantCulture), status));
        }
        return [.. rows.OrderBy(r => r.Port)];
    }

    /// <summary>Waits until a silo on each of <paramref name="siloPorts"/> is active in the table, and answers the table then.</summary>
    public static async Task<IReadOnlyList<SiloRow>> WaitUntilActiveAsync(IDatabase redis, RedisKey key, IReadOnlyCollection<int> siloPorts, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(siloPorts);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await ReadAsync(redis, key);
            if (siloPorts.All(port => rows.Any(r => r.Port == port && r.IsActive))) return rows;
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The silos on ports {string.Join(", ", siloPorts)} were not all active in the membership table after {timeout.TotalSeconds:N0} s: " +
                    string.Join("; ", rows.Select(r => $"{r.Silo} {r.Status}")));
            }
            await Task.Delay(250);
        }
    }

    /// <summary>A row's field: the silo's address as SiloAddress.ToString() writes it, "S127.0.0.1:11111:456789012".</summary>
    [GeneratedRegex(@"^S?(?<address>[0-9a-fA-F\.:\[\]]+?):(?<port>\d+):(?<generation>-?\d+)$")]
    private static partial Regex SiloName();
}
