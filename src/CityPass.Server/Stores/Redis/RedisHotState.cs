using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The hot state in Redis (standalone, Sentinel or Cluster) through the process's one
/// <see cref="IConnectionMultiplexer"/>. A scan is one EVALSHA of <see cref="ScanScript"/> on
/// standalone/Sentinel. On a cluster the citizen's hash and the venue's keys live in different slots,
/// so a scan costs two round trips: HMGET of the citizen on its node, then the script on the venue's
/// node with the citizen's fields as arguments. A status change landing between the two is seen by the
/// next scan, as it would be a microsecond later on one node. Scan records go to the venue shard's
/// stream; <see cref="ScanArchiver"/> moves them to the archive.
/// </summary>
public sealed class RedisHotState(IConnectionMultiplexer redis) : IHotState
{
    private static readonly RedisValue Empty = RedisValue.EmptyString;

    // HMGET's order: colour, version, credentials, name.
    private static readonly RedisValue[] CitizenFieldNames = [CitizenFields.Colour, CitizenFields.Version, CitizenFields.Credentials, CitizenFields.Name];

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisClock _redisClock = new(redis);

    // 0 not known yet (never connected), 1 one server (standalone or Sentinel's primary), 2 a cluster.
    private int _topology;

    /// <summary>Whether the citizen's hash is on another node than the venue's keys; known from the first connected server on.</summary>
    public bool IsCluster
    {
        get
        {
            var topology = Volatile.Read(ref _topology);
            return topology == 0 ? DetectCluster() : topology == 2;
        }
    }

    private bool DetectCluster()
    {
        foreach (var server in redis.GetServers())
        {
            if (!server.IsConnected) continue;
            var cluster = server.ServerType == ServerType.Cluster;
            Volatile.Write(ref _topology, cluster ? 2 : 1);
            return cluster;
        }
        // Nothing connected: the call fails fast anyway.
        return false;
    }

    public async Task<ScanOutcome?> ScanAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var a = attempt;
        var venue = new RedisKeys.Venue(a.VenueId);
        var pseudonym = a.Claims.Pseudonym;
        var policy = a.Policy;
        // Relative to the attempt's clock, not Redis's: the two may disagree, the pass's lifetime is what counts.
        var replayMs = Math.Max(1000, (long)(a.ReplayMarkUntil - a.Now).TotalMilliseconds);

        // Sized once, filled in place: the library writes them straight to the wire.
        var args = new RedisValue[ScanScript.ArgumentCount];
        args[0] = pseudonym is { } p ? p.ToString() : Empty;
        args[1] = (int)a.Claims.Colour;
        // An own pass is verified by its seal, so its version is known; 0 (older than any record) where it is not.
        args[2] = (long)(a.Claims.StatusVersion ?? 0);
        // Read by the script for a foreign pass only (an own pass's credentials are the citizen's record): what counts of them.
        // A foreign v2 pass shows none.
        args[3] = (int)((a.Claims.Credentials ?? Credentials.None) & policy.ForeignCredentials);
        args[4] = ScanStreamFields.DirectionName(a.Direction);
        args[5] = (int)policy.AllowedColours;
        args[6] = (int)policy.RequiredCredentials;
        args[7] = policy.Capacity ?? -1;
        args[8] = policy.RequiresBooking ? 1 : 0;
        args[9] = policy.AntiPassback ? 1 : 0;
        args[10] = policy.Hours is not { } hours || hours.IsOpenAt(a.Now) ? 1 : 0;
        args[11] = replayMs;
        args[12] = (long)a.DedupeWindow.TotalMilliseconds;
        args[13] = a.RunBy != 0 && _redisClock.UnixMsAt(a.RunBy) is { } deadline ? deadline : Empty;
        args[14] = a.LateUpload ? 1 : 0;
        args[15] = ScanStreamFields.Head(a);
        args[16] = args[17] = args[18] = args[19] = Empty;
        args[20] = ScanStreamFields.ToUnixMs(a.Now);

        var cluster = IsCluster;
        var keys = new RedisKey[!cluster && pseudonym is not null ? ScanScript.KeyCount : ScanScript.KeyCount - 1];
        keys[0] = venue.Dedupe(a.GateId, a.ScanId);
        keys[1] = venue.Occupancy;
        keys[2] = venue.Presence;
        keys[3] = venue.Bookings;
        keys[4] = venue.ReplayMark(a.Claims.TokenId);
        keys[5] = venue.Stream;
        keys[6] = venue.Tickets;
        if (pseudonym is { } id)
        {
            if (!cluster)
            {
                keys[7] = RedisKeys.Citizen(id);
            }
            else
            {
                var citizen = await _db.HashGetAsync(RedisKeys.Citizen(id), CitizenFieldNames);
                if (!citizen[0].IsNull)
                {
                    args[16] = citizen[0];
                    args[17] = citizen[1];
                    args[18] = citizen[2];
                    args[19] = citizen[3];
                }
            }
        }

        RedisResult reply;
        try
        {
            reply = await _db.ScriptEvaluateAsync(ScanScript.Script.Sha1, keys, args, RedisScript.OnPrimary);
        }
        catch (RedisServerException e) when (RedisScript.NothingRan(e))
        {
            reply = await ScanScript.Script.RecoverAsync(_db, keys, args, e);
        }

        // The script's three answers have different lengths, so no reply string is read to tell them apart.
        switch (reply.Length)
        {
            case ScanScript.UnknownReplyLength:
                return null;
            case ScanScript.DuplicateReplyLength:
                var answer = ((string?)reply[1]).AsSpan();
                var seatAt = answer.IndexOf(ScanScript.SeatSeparator);
                var (first, occupancy) = ScanStreamFields.ParseDedupeAnswer(seatAt < 0 ? answer : answer[..seatAt], a);
                return new ScanOutcome(first, occupancy, Duplicate: true) { Seat = seatAt < 0 ? null : answer[(seatAt + 1)..].ToString() };
            case ScanScript.LateReplyLength:
                throw new StoreUnavailableException(Store.HotState, "the scan reached Redis after its deadline and was not run");
            case ScanScript.NewReplyLength:
                var code = ScanStreamFields.ParseCode((string)reply[2]!);
                var record = new ScanRecord(a.ScanId, a.GateId, a.VenueId, a.Direction,
                    Allowed: code == DecisionCode.Allowed,
                    code,
                    ScanStreamFields.ParseColour((string)reply[3]!),
                    (string)reply[4]!,
                    pseudonym, a.Claims.Issuer, a.Claims.TokenId,
                    ScanStreamFields.AsStored(a.ScannedAt), ScanStreamFields.AsStored(a.Now), a.LateUpload);
                var seat = (string?)reply[5];
                return new ScanOutcome(record, (int)reply[1], Duplicate: false) { Seat = string.IsNullOrEmpty(seat) ? null : seat };
            default:
                throw UnexpectedReply(reply);
        }
    }

    public async Task<bool> WithdrawAsync(ScanAttempt attempt, CancellationToken cancellationToken)
    {
        var a = attempt;
        var venue = new RedisKeys.Venue(a.VenueId);
        RedisKey[] keys = [venue.Dedupe(a.GateId, a.ScanId), venue.Occupancy, venue.Presence, venue.ReplayMark(a.Claims.TokenId), venue.Stream, venue.WriteCheck];
        RedisValue deadline = a.RunBy != 0 && _redisClock.UnixMsAt(a.RunBy) is { } ms ? ms : 0;
        RedisValue[] args = [ScanStreamFields.ToUnixMs(a.Now), deadline, ScanStreamFields.Head(a), a.Claims.Pseudonym is { } p ? p.ToString() : Empty];
        // The deadline is mapped onto Redis's clock within a few milliseconds: a call that lands before it waits a little.
        for (var asked = 1; ; asked++)
        {
            var answer = (int)await WithdrawScript.Script.EvaluateAsync(_db, keys, args);
            if (answer >= 0) return answer == 1;   // 0 nothing ran, 2 a retry was told the answer: nothing taken back
            if (asked == 20) throw new StoreUnavailableException(Store.HotState, "Redis's clock stayed before the scan's deadline for a second");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static InvalidOperationException UnexpectedReply(RedisResult reply) =>
        new($"The scan script answered '{(reply.Length > 0 ? (string?)reply[0] : reply.ToString())}' with {reply.Length} elements.");

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
        await PutCitizenScript.EvaluateAsync(_db, [RedisKeys.Citizen(citizen.Id)],
            [(long)citizen.StatusVersion, (int)citizen.Colour, (int)citizen.Credentials, citizen.MaskedName]);
    }

    public async Task<CitizenHotState?> GetCitizenAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        var fields = await _db.HashGetAsync(RedisKeys.Citizen(id), CitizenFieldNames);
        if (fields[0].IsNull) return null;
        return new CitizenHotState(id, (StatusColour)(int)fields[0], (uint)(long)fields[1], (Credentials)(int)fields[2], (string)fields[3]!);
    }

    public async Task<int> GetOccupancyAsync(Guid venueId, CancellationToken cancellationToken)
    {
        var value = await _db.StringGetAsync(new RedisKeys.Venue(venueId).Occupancy);
        return value.IsNull ? 0 : (int)value;
    }

    public async Task SetBookingAsync(Guid venueId, CitizenPseudonym citizenId, bool booked, CancellationToken cancellationToken)
    {
        var key = new RedisKeys.Venue(venueId).Bookings;
        if (booked) await _db.SetAddAsync(key, citizenId.ToString());
        else await _db.SetRemoveAsync(key, citizenId.ToString());
    }

    public async Task PutTicketsAsync(Guid venueId, long revision, IReadOnlyDictionary<CitizenPseudonym, IReadOnlyList<TicketWindow>> tickets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        var key = new RedisKeys.Venue(venueId).Tickets;
        // A few hundred citizens a call: a push of 500 bookings is one or two scripts, and none holds Redis for long.
        foreach (var chunk in tickets.Chunk(256))
        {
            var args = new RedisValue[1 + 2 * chunk.Length];
            args[0] = revision;
            for (var i = 0; i < chunk.Length; i++)
            {
                args[1 + 2 * i] = chunk[i].Key.ToString();
                args[2 + 2 * i] = ScanScript.TicketValue(revision, chunk[i].Value);
            }
            await ScanScript.PutTicketsScript.EvaluateAsync(_db, [key], args);
        }
    }

    public async Task ForgetVenueAsync(Guid venueId, CancellationToken cancellationToken)
    {
        // Replay marks and dedupe answers expire by themselves within minutes.
        var venue = new RedisKeys.Venue(venueId);
        await _db.KeyDeleteAsync([venue.Occupancy, venue.Presence, venue.Bookings, venue.Tickets]);
    }

    /// <summary>Presence sets are added to in slices, so a large venue's is not one command of unbounded size.</summary>
    private const int PresenceSlice = 1000;

    public async Task PutPresenceAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym> inside, bool replace, CancellationToken cancellationToken)
    {
        var key = new RedisKeys.Venue(venueId).Presence;
        var slices = inside.Select(p => (RedisValue)p.ToString()).Chunk(PresenceSlice).ToList();
        // Replaced in one transaction: no scan's anti-passback check sees the set emptied and not yet refilled.
        var transaction = _db.CreateTransaction();
        var writes = new List<Task>();
        if (replace) writes.Add(transaction.KeyDeleteAsync(key));
        writes.AddRange(slices.Select(slice => transaction.SetAddAsync(key, slice)));
        if (writes.Count == 0) return;
        // No conditions: it always executes.
        await transaction.ExecuteAsync();
        await Task.WhenAll(writes);
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
        var reply = await StoreOtpScript.EvaluateAsync(_db, [RedisKeys.Otp(phone), RedisKeys.OtpIssued(phone)], [codeHash, ms, maxCodesPerHour]);
        return (long)reply == 1;
    }

    public async Task ReleaseOtpAsync(string phone, byte[] codeHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        await ReleaseOtpScript.EvaluateAsync(_db, [RedisKeys.Otp(phone), RedisKeys.OtpIssued(phone)], [codeHash]);
    }

    public async Task<OtpCheck> CheckOtpAsync(string phone, byte[] codeHash, int maxAttempts, int maxWrongPerHour, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        var reply = await CheckOtpScript.EvaluateAsync(_db, [RedisKeys.Otp(phone), RedisKeys.OtpWrongGuesses(phone)], [codeHash, maxAttempts, maxWrongPerHour]);
        return (string?)reply switch
        {
            "valid" => OtpCheck.Valid,
            "invalid" => OtpCheck.Invalid,
            "burnt" => OtpCheck.TooManyAttempts,
            "locked" => OtpCheck.Locked,
            _ => OtpCheck.Missing,
        };
    }
}
