using System.Globalization;
using System.Text;
using CityPass.Server.Stores.Redis;

/// <summary>
/// The figures of a <see cref="MemoryRun"/> and what they make at a city's scale (issue 14, target 7: 20 million
/// citizens; a day at 10,000 scans/s), written out as formulas with the measured numbers so a reader can redo them
/// for other rates.
/// </summary>
internal sealed record MemoryReport(
    string RedisVersion,
    string RedisAllocator,
    int Citizens,
    int Scans,
    int Venues,
    MemoryReading Empty,
    MemoryReading Seeded,
    MemoryReading Scanned,
    MemoryReading Archived,
    MemoryReading Forgotten,
    KeySample CitizenKeys,
    string HashListpackLimits,
    KeySample DedupeAnswers,
    KeySample ReplayMarks,
    long StreamEntries,
    long StreamMemoryUsage,
    long PresenceMembers,
    TimeSpan DedupeWindow,
    TimeSpan ReplayMarkLifetime,
    TimeSpan PassLifetime,
    TimeSpan SeedTime,
    TimeSpan ScanTime)
{
    private const long CitizensAtScale = 20_000_000;
    private const long ScansPerSecondAtScale = 10_000;
    private const int TargetBytesPerCitizen = 200;

    // The longest a pass may live: PassOptions.Validate's bound for this city's, PassVerifier.MaxLifetime's for any city's.
    private const int LongestPassSeconds = 600;

    public double PerCitizen => (double)(Seeded.UsedMemory - Empty.UsedMemory) / Citizens;

    /// <summary>(a): the dedupe answer and the replay mark, what is left once the stream entries and presence are gone.</summary>
    public double KeysWithTtlPerScan => (double)(Forgotten.UsedMemory - Seeded.UsedMemory) / Scans;

    /// <summary>(b): the stream entry.</summary>
    public double StreamEntryPerScan => (double)(Scanned.UsedMemory - Archived.UsedMemory) / Scans;

    /// <summary>(c): the presence-set member (and the venues' 64 occupancy counters, a few KB in all).</summary>
    public double PresencePerScan => (double)(Archived.UsedMemory - Forgotten.UsedMemory) / Scans;

    /// <summary>
    /// What MEMORY USAGE leaves out of a key with a TTL (its entry in the expires table, its share of the bucket
    /// arrays), taken as the same for a dedupe answer and a replay mark: both are one key with a TTL.
    /// </summary>
    public double UncountedPerKeyWithTtl => (KeysWithTtlPerScan - DedupeAnswers.MeanMemoryUsage - ReplayMarks.MeanMemoryUsage) / 2;

    public double PerDedupeAnswer => DedupeAnswers.MeanMemoryUsage + UncountedPerKeyWithTtl;

    public double PerReplayMark => ReplayMarks.MeanMemoryUsage + UncountedPerKeyWithTtl;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("## Redis memory per citizen and per scan");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"redis-server {RedisVersion} ({RedisAllocator}, standalone, no persistence); {Citizens:N0} citizens seeded with `RedisHotState.PutCitizenAsync` " +
            $"in {SeedTime.TotalSeconds:0} s, then {Scans:N0} scans with `RedisHotState.ScanAsync` at {Venues} venues in {ScanTime.TotalSeconds:0} s: this city's " +
            $"passes of seeded citizens, every scan an admitted entry from a new gate with a new scan id and a new pass; {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC. " +
            $"Bytes are used_memory's change (INFO memory) divided by the number of citizens or scans, unless the row says MEMORY USAGE.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| | bytes | how |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---|---:|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| **per citizen** (hot copy) | **{PerCitizen:0.0}** | used_memory after seeding − before, / {Citizens:N0} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| per citizen, MEMORY USAGE | {CitizenKeys.MeanMemoryUsage:0.0} | mean of {CitizenKeys.Count:N0} citizen hashes spread over the seeding; `OBJECT ENCODING` {CitizenKeys.ObjectEncoding} ({HashListpackLimits}); key {KeyLength(CitizenKeys)} bytes |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| **per scan (a)**: dedupe answer + replay mark | **{KeysWithTtlPerScan:0.0}** | used_memory once the streams and the presence sets are gone − after seeding, / {Scans:N0}: what stays for the TTLs below |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| dedupe answer, MEMORY USAGE | {DedupeAnswers.MeanMemoryUsage:0.0} | mean of the last {DedupeAnswers.Count:N0} scans' answers; `OBJECT ENCODING` {DedupeAnswers.ObjectEncoding}; key {KeyLength(DedupeAnswers)} bytes |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| replay mark, MEMORY USAGE | {ReplayMarks.MeanMemoryUsage:0.0} | mean of the same scans' marks; `OBJECT ENCODING` {ReplayMarks.ObjectEncoding}; key {KeyLength(ReplayMarks)} bytes |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| **per scan (b)**: stream entry | **{StreamEntryPerScan:0.0}** | used_memory before − after deleting the {RedisKeys.Shards} scan streams, / {Scans:N0}: what stays until archived |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| stream entry, MEMORY USAGE | {(double)StreamMemoryUsage / StreamEntries:0.0} | `MEMORY USAGE … SAMPLES 0` of the streams / their {StreamEntries:N0} entries |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| per scan (c): presence-set member | {PresencePerScan:0.0} | used_memory before − after forgetting the venues (`ForgetVenueAsync`), / {Scans:N0} ({PresenceMembers:N0} members in {Venues} sets): what stays until the citizen's exit scan; kept only at venues with anti-passback |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| dedupe answer's TTL | {DedupeWindow.TotalSeconds:N0} s | `ScanOptions.DedupeWindow`; PTTL when sampled {Seconds(DedupeAnswers.ShortestTtl)}–{Seconds(DedupeAnswers.LongestTtl)} s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| replay mark's TTL | {ReplayMarkLifetime.TotalSeconds:N0} s | the pass's expiry + 1 min, for a pass scanned as it is issued (it lives {PassLifetime.TotalSeconds:N0} s, `PassOptions.LifetimeSeconds`); PTTL when sampled {Seconds(ReplayMarks.ShortestTtl)}–{Seconds(ReplayMarks.LongestTtl)} s |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Target ≤ {TargetBytesPerCitizen} bytes per citizen: **{(PerCitizen <= TargetBytesPerCitizen ? "met" : "not met")}** ({PerCitizen:0.0} bytes).");
        var expired = Forgotten.ExpiredKeys - Seeded.ExpiredKeys;
        if (expired > 0) md.AppendLine(CultureInfo.InvariantCulture, $"**{expired:N0} keys expired during the scan phase: (a) and its split are low by their bytes.**");
        md.AppendLine();

        md.AppendLine(CultureInfo.InvariantCulture, $"| reading | used_memory | used_memory_dataset | keys | main key table | expires key table | client buffers | expired keys |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { Empty, Seeded, Scanned, Archived, Forgotten })
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.UsedMemory:N0} | {r.UsedMemoryDataset:N0} | {r.Keys:N0} | {r.MainKeyTable:N0} | {r.ExpiresKeyTable:N0} | {r.ClientBuffers:N0} | {r.ExpiredKeys:N0} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Key tables are MEMORY STATS' `overhead.hashtable.main` and `.expires`: an entry per key and a bucket array of 8 bytes a slot, which doubles when " +
            $"the keys outnumber its slots, so the tables grow in steps. They are part of the figures above: {(double)(Seeded.MainKeyTable - Empty.MainKeyTable) / Citizens:0.0} " +
            $"bytes per citizen; {(double)(Forgotten.MainKeyTable - Seeded.MainKeyTable) / Scans:0.0} (main) and {(double)(Forgotten.ExpiresKeyTable - Seeded.ExpiresKeyTable) / Scans:0.0} " +
            $"(expires) bytes per scan. A per-key figure measured at one size can be a few bytes off at another, depending on where each table is between two doublings.");
        md.AppendLine();

        var dedupeHeld = ScansPerSecondAtScale * (long)DedupeWindow.TotalSeconds;
        var replayHeld = ScansPerSecondAtScale * (long)ReplayMarkLifetime.TotalSeconds;
        var citizensAtScale = CitizensAtScale * PerCitizen;
        var dedupeAtScale = dedupeHeld * PerDedupeAnswer;
        var replayAtScale = replayHeld * PerReplayMark;
        var backlogPerMinute = ScansPerSecondAtScale * 60 * StreamEntryPerScan;
        md.AppendLine(CultureInfo.InvariantCulture, $"### At 20 million citizens and 10,000 scans/s");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"(a) is split between the dedupe answer and the replay mark by MEMORY USAGE, and what MEMORY USAGE leaves out (the entry in the expires table, " +
            $"the bucket arrays' share) is shared equally, both being one key with a TTL: ({KeysWithTtlPerScan:0.0} − {DedupeAnswers.MeanMemoryUsage:0.0} − " +
            $"{ReplayMarks.MeanMemoryUsage:0.0}) / 2 = {UncountedPerKeyWithTtl:0.0} bytes each, so a dedupe answer is {PerDedupeAnswer:0.0} bytes and a replay mark {PerReplayMark:0.0}. " +
            $"MiB and GiB are 2^20 and 2^30 bytes, as Redis's `maxmemory` counts `mb` and `gb`.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| what | formula | memory |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---|---|---:|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| citizens' hot copies | {CitizensAtScale:N0} × {PerCitizen:0.0} B | {Size(citizensAtScale)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| dedupe answers held at once | {ScansPerSecondAtScale:N0}/s × {DedupeWindow.TotalSeconds:N0} s = {dedupeHeld:N0} × {PerDedupeAnswer:0.0} B | {Size(dedupeAtScale)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| replay marks held at once | {ScansPerSecondAtScale:N0}/s × {ReplayMarkLifetime.TotalSeconds:N0} s = {replayHeld:N0} × {PerReplayMark:0.0} B | {Size(replayAtScale)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| **together**, the archive keeping up | | **{Size(citizensAtScale + dedupeAtScale + replayAtScale)}** |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| stream backlog per minute of PostgreSQL outage | {ScansPerSecondAtScale:N0}/s × 60 s × {StreamEntryPerScan:0.0} B | {Size(backlogPerMinute)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| … per hour of outage | × 60 | {Size(backlogPerMinute * 60)} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"A day at 10,000 scans/s is {ScansPerSecondAtScale * 86_400:N0} scans; what stays is the answers of the last {DedupeWindow.TotalMinutes:0} minutes and the marks of the " +
            $"last {ReplayMarkLifetime.TotalMinutes:0}, not the day's (a 24-hour dedupe window would hold {Size(ScansPerSecondAtScale * 86_400 * PerDedupeAnswer)}). " +
            $"Passes living the longest allowed ({LongestPassSeconds} s) would make replay marks live {LongestPassSeconds + 60} s: " +
            $"{ScansPerSecondAtScale:N0}/s × {LongestPassSeconds + 60} s × {PerReplayMark:0.0} B = {Size(ScansPerSecondAtScale * (LongestPassSeconds + 60) * PerReplayMark)}. " +
            $"Presence is bounded by the people inside at once, not by the scans: {PresencePerScan:0.0} B each in sets of about {PresenceMembers / Venues:N0} " +
            $"(a million people inside at once: {Size(1_000_000 * PresencePerScan)}).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Not in these figures: a replica holds the same again; what a Redis Cluster node keeps per key beyond this (measured standalone); " +
            $"fragmentation (the process's RSS above used_memory); the copy-on-write of an append-only-file rewrite's fork; the stream entries " +
            $"waiting for the archiver (about a round's worth: a tenth of a second's scans).");
        return md.ToString();
    }

    private static string KeyLength(KeySample sample) =>
        sample.ShortestKeyBytes == sample.LongestKeyBytes
            ? sample.ShortestKeyBytes.ToString(CultureInfo.InvariantCulture)
            : $"{sample.ShortestKeyBytes.ToString(CultureInfo.InvariantCulture)}–{sample.LongestKeyBytes.ToString(CultureInfo.InvariantCulture)}";

    private static string Seconds(TimeSpan? ttl) => ttl is { } t ? t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "none";

    private static string Size(double bytes) =>
        bytes >= 1 << 30
            ? (bytes / (1 << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB"
            : (bytes / (1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
