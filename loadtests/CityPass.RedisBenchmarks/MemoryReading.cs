using System.Globalization;
using StackExchange.Redis;

/// <summary>
/// What redis-server says it holds at one moment. <see cref="UsedMemory"/> is what the figures are made of; the rest
/// says what moved it: the key tables (MEMORY STATS: their entries and bucket arrays, which double when full, so they
/// grow in steps rather than per key), the connections' buffers (a burst of calls leaves them large for a while),
/// and the keys that expired (a key gone before the reading takes its bytes with it). Read once Redis has no
/// deleted value left to free.
/// </summary>
internal sealed record MemoryReading(
    string Name,
    long UsedMemory,
    long UsedMemoryDataset,
    long ClientBuffers,
    long Keys,
    long MainKeyTable,
    long ExpiresKeyTable,
    long ExpiredKeys)
{
    public static async Task<MemoryReading> ReadAsync(string name, IServer server)
    {
        // The library deletes with UNLINK, which frees a large value (a scan stream, a presence set) on a background
        // thread: used_memory only counts it as freed once that thread is done.
        Dictionary<string, string> info;
        while (true)
        {
            info = (await server.InfoAsync()).SelectMany(section => section).ToDictionary(pair => pair.Key, pair => pair.Value);
            if (info["lazyfree_pending_objects"] == "0") break;
            await Task.Delay(100);
        }
        long Info(string key) => long.Parse(info[key], CultureInfo.InvariantCulture);

        // "db.0" is left out while the database is empty.
        var stats = (await server.MemoryStatsAsync()).ToDictionary();
        var database = stats.TryGetValue("db.0", out var db) ? db.ToDictionary() : null;
        long Table(string key) => database is null ? 0 : (long)database[key];

        return new MemoryReading(name, Info("used_memory"), Info("used_memory_dataset"), Info("mem_clients_normal"), await server.DatabaseSizeAsync(),
            Table("overhead.hashtable.main"), Table("overhead.hashtable.expires"), Info("expired_keys"));
    }
}
