namespace CityPass.Redis;

/// <summary>
/// How XADD/XTRIM cap a stream: by length (MAXLEN) or by oldest id kept (MINID). Approximate (<c>~</c>) lets
/// Redis trim whole nodes, which is much cheaper and the right default for capped logs.
/// </summary>
public readonly record struct StreamTrim
{
    public long? MaxLength { get; init; }

    public string? MinId { get; init; }

    public bool Approximate { get; init; }

    public static StreamTrim None => default;

    public static StreamTrim ToMaxLength(long maxLength, bool approximate = true) => new() { MaxLength = maxLength, Approximate = approximate };

    public static StreamTrim ToMinId(string minId, bool approximate = true) => new() { MinId = minId, Approximate = approximate };

    internal bool IsSet => MaxLength is not null || MinId is not null;

    internal int ArgumentCount => IsSet ? (Approximate ? 3 : 2) : 0;

    internal void WriteTo(ref CommandWriter writer)
    {
        if (!IsSet) return;
        writer.Write(MaxLength is not null ? "MAXLEN"u8 : "MINID"u8);
        if (Approximate) writer.Write("~"u8);
        if (MaxLength is { } max) writer.Write(max);
        else writer.Write(MinId!);
    }
}
