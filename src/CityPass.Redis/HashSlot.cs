namespace CityPass.Redis;

/// <summary>Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its first non-empty <c>{hash tag}</c>, modulo 16384.</summary>
public static class HashSlot
{
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();

    public static int Of(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            // "{}" does not count as a tag: the whole key is hashed, as the server does.
            if (close > 0) key = key.Slice(open + 1, close);
        }

        return Crc16(key) & (Count - 1);
    }

    public static int Of(string key)
    {
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[System.Text.Encoding.UTF8.GetByteCount(key)];
        var length = System.Text.Encoding.UTF8.GetBytes(key, buffer);
        return Of(buffer[..length]);
    }

    internal static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data) crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
            table[i] = crc;
        }

        return table;
    }
}
