using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Core.Tokens;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The hot state's key layout, laid out for Redis Cluster. A citizen's hash carries the hash tag
/// <c>{c:&lt;pseudonym&gt;}</c>, so citizens spread over every slot. Everything a scan writes at a venue
/// (occupancy, presence, bookings, replay marks, dedupe answers, the scan stream) carries the shard
/// tag <c>{s:k}</c>, k = a stable hash of the venue id mod <see cref="Shards"/>, so one script can touch
/// all of it on one node. Everything starts with <c>cp:</c> so a shared Redis can tell our keys apart.
/// </summary>
public static class RedisKeys
{
    /// <summary>How many venue shards, and so how many scan streams, there are. Changing it moves every venue's keys.</summary>
    public const int Shards = 16;

    public static string Citizen(CitizenPseudonym id) => $"cp:{{c:{id}}}";

    /// <summary>
    /// FNV-1a over the id's RFC 4122 bytes: stable across processes, runtimes and machines, unlike
    /// <see cref="Guid.GetHashCode"/>, which is what lets every replica find a venue's keys.
    /// </summary>
    public static int ShardOf(Guid venueId)
    {
        Span<byte> bytes = stackalloc byte[16];
        venueId.TryWriteBytes(bytes, bigEndian: true, out _);
        var hash = 2166136261u;
        foreach (var b in bytes) hash = (hash ^ b) * 16777619u;
        return (int)(hash % Shards);
    }

    private static readonly string[] ScanStreams = [.. Enumerable.Range(0, Shards).Select(shard => $"cp:{{s:{shard.ToString(CultureInfo.InvariantCulture)}}}:scans")];

    private static readonly string[] ShardPrefixes = [.. Enumerable.Range(0, Shards).Select(shard => $"cp:{{s:{shard.ToString(CultureInfo.InvariantCulture)}}}:")];

    /// <summary>Made once: every scan names its shard's stream.</summary>
    public static string ScanStream(int shard) => ScanStreams[shard];

    /// <summary>Entries the archiver could not read (a bug, not an outage): kept beside the stream for a human, never dropped.</summary>
    public static string DeadScans(int shard) => $"cp:{{s:{shard.ToString(CultureInfo.InvariantCulture)}}}:scans:dead";

    /// <summary>"This shard's hot state was filled from the system of record": gone means Redis lost it (<see cref="HotStateRefill"/>).</summary>
    public static string Filled(int shard) => $"cp:{{s:{shard.ToString(CultureInfo.InvariantCulture)}}}:filled";

    public static IReadOnlyList<string> AllScanStreams { get; } = Array.AsReadOnly(ScanStreams);

    /// <summary>The keys of one venue; all in the venue's shard, so all in one slot.</summary>
    public readonly struct Venue
    {
        // Built once per venue value: a scan names five of these keys.
        private readonly string _prefix;

        public Venue(Guid id)
        {
            Id = id;
            Shard = ShardOf(id);
            _prefix = $"cp:{{s:{Shard.ToString(CultureInfo.InvariantCulture)}}}:v:{id:N}";
        }

        public Guid Id { get; }

        public int Shard { get; }

        public string Occupancy => _prefix + ":occupancy";

        /// <summary>Set of pseudonyms inside (anti-passback).</summary>
        public string Presence => _prefix + ":inside";

        public string Bookings => _prefix + ":bookings";

        /// <summary>Hash of pseudonym to that citizen's tickets here (<see cref="ScanScript.TicketValue"/>): what admits, and the seat.</summary>
        public string Tickets => _prefix + ":tickets";

        /// <summary>
        /// Never holds anything: a script that must not answer from a replica deletes it first, a write every replica
        /// refuses (READONLY) before the script has read anything.
        /// </summary>
        public string WriteCheck => _prefix + ":write-check";

        /// <summary>"This pass already opened this venue's entry"; expires after the pass can no longer be shown.</summary>
        public string ReplayMark(TokenId token) => $"{_prefix}:entered:{token}";

        /// <summary>
        /// The first answer to a gate's scan id. The gate belongs to the venue, so a retry comes back to the same
        /// shard; the pair alone names the scan, so the key leaves the venue out: there is one such key per scan of
        /// the dedupe window, and the name is a good part of its memory (<c>cp:{s:k}:a:</c> and 64 hex digits, 75 or 76
        /// bytes; 114 for <c>…:v:&lt;venue&gt;:scan:&lt;gate&gt;:&lt;scan&gt;</c> before issue 14).
        /// </summary>
        public string Dedupe(Guid gateId, Guid scanId) => $"{ShardPrefixes[Shard]}a:{gateId:N}{scanId:N}";

        public string Stream => ScanStream(Shard);
    }

    /// <summary>
    /// A phone's pending one-time code. The key names the phone by its SHA-256, so phone numbers do
    /// not show up in key listings, slow logs or memory reports.
    /// </summary>
    public static string Otp(string phone) => "cp:{otp:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(phone))) + "}";

    /// <summary>How many codes the phone was given this hour; same slot as <see cref="Otp"/> (one script uses both).</summary>
    public static string OtpIssued(string phone) => Otp(phone) + ":issued";

    /// <summary>How many wrong codes were tried for the phone this hour, whichever code they were aimed at; same slot as <see cref="Otp"/>.</summary>
    public static string OtpWrongGuesses(string phone) => Otp(phone) + ":wrong";
}
