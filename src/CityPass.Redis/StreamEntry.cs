namespace CityPass.Redis;

/// <summary>One stream entry: its id ("1700000000000-0") and its field/value pairs in stored order.</summary>
public sealed record StreamEntry(string Id, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The value of the first field with this name, or null.</summary>
    public string? this[string field] => Fields.FirstOrDefault(pair => pair.Key == field).Value;

    internal static StreamEntry[] ParseEntries(RedisReply reply)
    {
        var items = reply.AsArray() ?? [];
        var entries = new List<StreamEntry>(items.Length);
        foreach (var item in items)
        {
            if (item.IsNull || item.Length < 2) continue;
            var id = item[0].AsString()!;
            // A pending entry that was deleted meanwhile comes back with nil fields.
            var raw = item[1].AsArray() ?? [];
            var fields = new KeyValuePair<string, string>[raw.Length / 2];
            for (var i = 0; i < fields.Length; i++) fields[i] = new(raw[2 * i].AsString()!, raw[2 * i + 1].AsString() ?? "");
            entries.Add(new StreamEntry(id, fields));
        }

        return [.. entries];
    }
}
