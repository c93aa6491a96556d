using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Redis;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The hot state in Redis (standalone, Sentinel or Cluster). A scan is one EVALSHA of
/// <see cref="ScanScript"/> on standalone/Sentinel. On a cluster the citizen's hash and the venue's keys
/// live in different slots, so a scan costs two round trips: HGETALL of the citizen on its node, then
/// the script on the venue's node with the citizen's fields as arguments. A status change landing
/// between the two is seen by the next scan, as it would be a microsecond later on one node.
/// Scan records go to the venue shard's stream; <see cref="ScanArchiver"/> moves them to the archive.
/// </summary>
public sealed class RedisHotState(RedisClient redis) : IHotState
{
    private static readonly RedisValue Empty = "";

    public async Task<ScanOutcome?> ScanAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var a = attempt;
        var venue = new RedisKeys.Venue(a.VenueId);
        var pseudonym = a.Claims.Pseudonym;
        var policy = a.Policy;
        var scannedAt = ScanStreamFields.ToUnixMs(a.ScannedAt);
        var decidedAt = ScanStreamFields.ToUnixMs(a.Now);
        // Relative to the attempt's clock, not Redis's: the two may disagree, the pass's lifetime is what counts.
        var replayMs = Math.Max(1000, (long)(a.ReplayMarkUntil - a.Now).TotalMilliseconds);

        var args = new RedisValue[ScanScript.ArgumentCount];
        args[0] = pseudonym?.ToString() ?? "";
        args[1] = (int)a.Claims.Colour;
        args[2] = (long)a.Claims.StatusVersion;
        args[3] = (int)a.Claims.Credentials;
        args[4] = ScanStreamFields.DirectionName(a.Direction);
        args[5] = (int)policy.AllowedColours;
        args[6] = (int)policy.RequiredCredentials;
        args[7] = policy.Capacity ?? -1;
        args[8] = policy.RequiresBooking ? 1 : 0;
        args[9] = policy.AntiPassback ? 1 : 0;
        args[10] = policy.Hours is not { } hours || hours.IsOpenAt(a.Now) ? 1 : 0;
        args[11] = replayMs;
        args[12] = a.ScanId.ToString();
        args[13] = a.GateId.ToString();
        args[14] = a.VenueId.ToString();
        args[15] = a.Claims.Issuer.ToString();
        args[16] = a.Claims.TokenId.ToString();
        args[17] = scannedAt;
        args[18] = decidedAt;
        args[19] = (long)ScanAttempt.DedupeWindow.TotalMilliseconds;
        args[20] = args[21] = args[22] = args[23] = Empty;

        RedisValue[] keys;
        var venueKeys = new RedisValue[]
        {
            venue.Dedupe(a.GateId, a.ScanId), venue.Occupancy, venue.Presence, venue.Bookings, venue.ReplayMark(a.Claims.TokenId), venue.Stream,
        };
        if (!redis.IsCluster)
        {
            keys = pseudonym is { } id ? [.. venueKeys, RedisKeys.Citizen(id)] : venueKeys;
        }
        else
        {
            keys = venueKeys;
            if (pseudonym is { } id)
            {
                var citizen = await redis.HashGetAllAsync(RedisKeys.Citizen(id), cancellationToken);
                if (citizen.Count > 0)
                {
                    args[20] = citizen[CitizenFields.Colour];
                    args[21] = citizen[CitizenFields.Version];
                    args[22] = citizen[CitizenFields.Credentials];
                    args[23] = citizen[CitizenFields.Name];
                }
            }
        }

        var reply = await redis.EvaluateAsync(ScanScript.Script, keys, args, cancellationToken);
        var kind = reply[0].AsString();
        switch (kind)
        {
            case "unknown":
                return null;
            case "dup":
                var fields = reply[1].AsArray()!;
                var pairs = new KeyValuePair<string, string>[fields.Length / 2];
                var occupancy = 0;
                for (var i = 0; i < pairs.Length; i++)
                {
                    pairs[i] = new(fields[2 * i].AsString()!, fields[2 * i + 1].AsString() ?? "");
                    if (pairs[i].Key == "occupancy") occupancy = int.Parse(pairs[i].Value, CultureInfo.InvariantCulture);
                }
                return new ScanOutcome(ScanStreamFields.Parse(pairs), occupancy, Duplicate: true);
            case "new":
                var record = new ScanRecord(a.ScanId, a.GateId, a.VenueId, a.Direction,
                    Allowed: reply[2].Is("allowed"u8),
                    ScanStreamFields.ParseCode(reply[2].AsString()!),
                    ScanStreamFields.ParseColour(reply[3].AsString()!),
                    reply[4].AsString()!,
                    pseudonym, a.Claims.Issuer, a.Claims.TokenId,
                    ScanStreamFields.FromUnixMs(scannedAt), ScanStreamFields.FromUnixMs(decidedAt));
                return new ScanOutcome(record, (int)reply[1].AsInt64(), Duplicate: false);
            default:
                throw new InvalidOperationException($"The scan script answered '{kind}'.");
        }
    }

    private static class CitizenFields
    {
        public const string Colour = "colour";
        public const string Version = "version";
        public const string Credentials = "credentials";
        public const string Name = "name";
    }

    // Only moves forward: a push that arrives late (or a reconciler holding an older read) must not
    // undo a newer status. An equal version still writes: name and credentials change without a new status.
    private static readonly RedisScript PutCitizenScript = new($"""
        local current = redis.call('HGET', KEYS[1], '{CitizenFields.Version}')
        if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], '{CitizenFields.Version}', ARGV[1], '{CitizenFields.Colour}', ARGV[2], '{CitizenFields.Credentials}', ARGV[3], '{CitizenFields.Name}', ARGV[4])
        return 1
        """);

    public async Task PutCitizenAsync(CitizenHotState citizen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(citizen);
        await redis.EvaluateAsync(PutCitizenScript, [RedisKeys.Citizen(citizen.Id)],
            [(long)citizen.StatusVersion, (int)citizen.Colour, (int)citizen.Credentials, citizen.MaskedName], cancellationToken);
    }

    public async Task<CitizenHotState?> GetCitizenAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        var fields = await redis.HashGetAllAsync(RedisKeys.Citizen(id), cancellationToken);
        if (fields.Count == 0) return null;
        return new CitizenHotState(id,
            (StatusColour)int.Parse(fields[CitizenFields.Colour], CultureInfo.InvariantCulture),
            uint.Parse(fields[CitizenFields.Version], CultureInfo.InvariantCulture),
            (Credentials)int.Parse(fields[CitizenFields.Credentials], CultureInfo.InvariantCulture),
            fields[CitizenFields.Name]);
    }

    public async Task<int> GetOccupancyAsync(Guid venueId, CancellationToken cancellationToken)
    {
        var value = await redis.GetAsync(new RedisKeys.Venue(venueId).Occupancy, cancellationToken);
        return value is null ? 0 : int.Parse(value, CultureInfo.InvariantCulture);
    }

    public async Task SetBookingAsync(Guid venueId, CitizenPseudonym citizenId, bool booked, CancellationToken cancellationToken)
    {
        var key = new RedisKeys.Venue(venueId).Bookings;
        if (booked) await redis.SetAddAsync(key, citizenId.ToString(), cancellationToken);
        else await redis.SetRemoveAsync(key, citizenId.ToString(), cancellationToken);
    }

    public async Task ForgetVenueAsync(Guid venueId, CancellationToken cancellationToken)
    {
        // Replay marks and dedupe answers expire by themselves within a day.
        var venue = new RedisKeys.Venue(venueId);
        await redis.ExecuteAsync("DEL", [venue.Occupancy, venue.Presence, venue.Bookings], cancellationToken);
    }

    // KEYS: 1 the code, 2 codes issued this hour. ARGV: 1 hash, 2 ttl ms, 3 max codes an hour.
    private static readonly RedisScript StoreOtpScript = new("""
        local issued = tonumber(redis.call('GET', KEYS[2]) or '0')
        if issued >= tonumber(ARGV[3]) then return 0 end
        if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], 3600000) end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'failures', 0)
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """);

    // KEYS: 1 the code, 2 codes issued this hour. ARGV: 1 hash. DECR keeps the key's TTL, so the window still ends when it began to.
    private static readonly RedisScript ReleaseOtpScript = new("""
        if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then redis.call('DEL', KEYS[1]) end
        if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
        return 1
        """);

    // KEYS: 1 the code, 2 wrong guesses this hour. ARGV: 1 hash, 2 max wrong tries of a code, 3 max wrong guesses an hour.
    // Lua has no constant-time comparison. Both sides are hashes of a fixed length, though, so how
    // early a comparison stops says nothing an attacker can steer towards the code itself.
    private static readonly RedisScript CheckOtpScript = new("""
        local wrong = tonumber(redis.call('GET', KEYS[2]) or '0')
        if wrong >= tonumber(ARGV[3]) then return 'locked' end
        local stored = redis.call('HGET', KEYS[1], 'hash')
        if not stored then return 'missing' end
        if stored == ARGV[1] then
          redis.call('DEL', KEYS[1])
          return 'valid'
        end
        if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], 3600000) end
        local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
        if failures >= tonumber(ARGV[2]) then
          redis.call('DEL', KEYS[1])
          return 'burnt'
        end
        return 'invalid'
        """);

    public async Task<bool> TryStoreOtpAsync(string phone, byte[] codeHash, TimeSpan ttl, int maxCodesPerHour, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        var ms = Math.Max(1, (long)ttl.TotalMilliseconds);
        var reply = await redis.EvaluateAsync(StoreOtpScript, [RedisKeys.Otp(phone), RedisKeys.OtpIssued(phone)], [codeHash, ms, maxCodesPerHour], cancellationToken);
        return reply.AsInt64() == 1;
    }

    public async Task ReleaseOtpAsync(string phone, byte[] codeHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        await redis.EvaluateAsync(ReleaseOtpScript, [RedisKeys.Otp(phone), RedisKeys.OtpIssued(phone)], [codeHash], cancellationToken);
    }

    public async Task<OtpCheck> CheckOtpAsync(string phone, byte[] codeHash, int maxAttempts, int maxWrongPerHour, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        var reply = await redis.EvaluateAsync(CheckOtpScript, [RedisKeys.Otp(phone), RedisKeys.OtpWrongGuesses(phone)], [codeHash, maxAttempts, maxWrongPerHour], cancellationToken);
        return reply.AsString() switch
        {
            "valid" => OtpCheck.Valid,
            "invalid" => OtpCheck.Invalid,
            "burnt" => OtpCheck.TooManyAttempts,
            "locked" => OtpCheck.Locked,
            _ => OtpCheck.Missing,
        };
    }
}
