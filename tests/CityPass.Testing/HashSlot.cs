using System.Text;

namespace CityPass.Testing;

/// <summary>Redis Cluster's key slot (CRC16/XMODEM of the hash tag or the key, mod 16384), written from the spec for tests to check key layouts against.</summary>
public static class HashSlot
{
    public const int Count = 16384;

    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1) key = key[(open + 1)..close];
        }
        ushort crc = 0;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
        }
        return crc % Count;
    }
}
