using StackExchange.Redis;

/// <summary>
/// MEMORY USAGE, OBJECT ENCODING and PTTL of a sample of one kind of key, all alike but for their random ids. MEMORY
/// USAGE counts the key's name, its value and its entry in the key table, not its entry in the table of keys with a
/// TTL nor its share of the tables' bucket arrays: used_memory's change over many keys is the whole cost, this is the
/// per-key part of it, and says which kind of key it goes to.
/// </summary>
internal sealed record KeySample(int Count, double MeanMemoryUsage, int ShortestKeyBytes, int LongestKeyBytes, string ObjectEncoding, TimeSpan? ShortestTtl, TimeSpan? LongestTtl)
{
    public static async Task<KeySample> ReadAsync(IDatabase db, IReadOnlyList<string> keys)
    {
        var usages = await Task.WhenAll(keys.Select(key => db.ExecuteAsync("MEMORY", "USAGE", (RedisKey)key)));
        var ttls = await Task.WhenAll(keys.Select(key => db.KeyTimeToLiveAsync(key)));
        var keyBytes = keys.Select(System.Text.Encoding.UTF8.GetByteCount).ToArray();
        return new KeySample(keys.Count, usages.Average(usage => (long)usage), keyBytes.Min(), keyBytes.Max(),
            await db.KeyEncodingAsync(keys[0]) ?? "(none)", ttls.Min(), ttls.Max());
    }
}
