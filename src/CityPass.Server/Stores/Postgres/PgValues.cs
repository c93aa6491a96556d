using System.Buffers.Binary;

namespace CityPass.Server.Stores.Postgres;

/// <summary>How CityPass values map onto PostgreSQL columns.</summary>
internal static class PgValues
{
    /// <summary>A 128-bit id (pseudonym, token id) as uuid: its big-endian bytes, so uuid order is numeric order.</summary>
    public static Guid ToUuid(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new Guid(bytes, bigEndian: true);
    }

    public static UInt128 FromUuid(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>
    /// timestamptz keeps microseconds and Npgsql writes only UTC: values are cut to that before they
    /// are stored or hashed, so what is read back is exactly what was written.
    /// </summary>
    public static DateTimeOffset ToStored(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }
}
