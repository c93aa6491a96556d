using System.Buffers.Binary;

namespace CityPass.TracingLoad;

/// <summary>
/// What to seed, and the ids everything is derived from: the same plan gives the same citizens, venues and gates on
/// every run, so the measurement can name index citizens without reading them back. Local days run 08:00–22:00 in the
/// city (UTC+8), which is 00:00–14:00 UTC: a day's visits, with their exits, all fall in that UTC day's partition.
/// </summary>
internal sealed record SeedPlan(long Scans, int Citizens, int Venues, int Days, DateOnly FirstDay, ulong Seed)
{
    public DateTimeOffset Start => new(FirstDay, TimeOnly.MinValue, TimeSpan.Zero);

    public DateTimeOffset End => Start.AddDays(Days);

    /// <summary>Venue types: the share of venues, whether their gates record exits, the mean stay (minutes).</summary>
    public static readonly (string Type, double Share, bool Exits, int MeanMinutes)[] VenueTypes =
    [
        ("library", 0.15, true, 100),
        ("clinic", 0.10, true, 50),
        ("theatre", 0.05, false, 150),
        ("housing_estate", 0.10, true, 120),
        ("restaurant", 0.20, false, 55),
        ("mall", 0.15, false, 80),
        ("supermarket", 0.15, false, 25),
        ("gym", 0.10, true, 70),
    ];

    /// <summary>The type of venue <paramref name="venue"/>: venues are dealt to types by their shares, in order.</summary>
    public int TypeOf(int venue)
    {
        var position = (venue + 0.5) / Venues;
        var cumulative = 0.0;
        for (var t = 0; t < VenueTypes.Length; t++)
        {
            cumulative += VenueTypes[t].Share;
            if (position < cumulative) return t;
        }
        return VenueTypes.Length - 1;
    }

    public Guid VenueId(int venue) => IdOf(1, (ulong)venue);

    /// <summary>Each venue has an entry gate (0) and an exit gate (1).</summary>
    public Guid GateId(int venue, int gate) => IdOf(2, ((ulong)venue << 1) | (uint)gate);

    /// <summary>The citizen's pseudonym as 128 bits; stored as a uuid of its big-endian bytes (as PgValues.ToUuid does).</summary>
    public UInt128 Citizen(int citizen)
    {
        var hi = Mix(Seed ^ Mix(3) ^ (ulong)citizen);
        var lo = Mix(hi ^ Mix(4));
        return new UInt128(hi, lo);
    }

    public static Guid ToUuid(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new Guid(bytes, bigEndian: true);
    }

    private Guid IdOf(ulong kind, ulong n) => ToUuid(new UInt128(Mix(Seed ^ Mix(kind) ^ n), Mix(n ^ Mix(kind + 100))));

    /// <summary>SplitMix64's finaliser: a cheap, well-spread hash of a counter.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
