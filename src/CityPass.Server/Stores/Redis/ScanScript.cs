using F = CityPass.Server.Stores.Redis.ScanStreamFields;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The scan as one Lua script: Redis runs it atomically, so the dedupe check, the decision, the
/// occupancy check-and-increment and the stream append can't interleave with another gate's scan.
/// The rules are <see cref="Core.Venues.EntryRules.Decide"/>'s, in the same order; the contract tests
/// run both on every combination. Opening hours are evaluated in C# (time zones) and arrive as a flag.
/// </summary>
internal static class ScanScript
{
    // KEYS: 1 dedupe hash, 2 occupancy, 3 presence set, 4 bookings set, 5 replay mark, 6 scan stream,
    //       7 citizen hash (standalone and Sentinel only; on a cluster it lives on another node and
    //       its fields arrive in ARGV 21-24 instead).
    public const int KeyCount = 7;

    // ARGV 25: the deadline in Redis's clock (Unix ms; '' for none): a script started after it does nothing.
    // ARGV 26: '1' for a late upload (a scan the gate sends long after it made it): decided and recorded as any
    //          other, but it leaves occupancy, presence and the replay mark alone. Not to be confused with the
    //          'late' answer below, which is about the deadline.
    public const int ArgumentCount = 26;

    // The answers: {'unknown'}, {'dup', fields of the first answer}, {'late', 0, 0}, {'new', occupancy, code, colour, name}.
    public const int UnknownReplyLength = 1;
    public const int DuplicateReplyLength = 2;
    public const int LateReplyLength = 3;
    public const int NewReplyLength = 5;

    public static readonly RedisScript Script = new($$"""
        -- A scan the API has already answered 503 (Redis hung, then resumed) must not take effect now.
        if ARGV[25] ~= '' then
          local t = redis.call('TIME')
          if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[25]) then return {'late', 0, 0} end
        end

        local dedupe = redis.call('HGETALL', KEYS[1])
        if #dedupe > 0 then
          -- The first answer has now been given to the gate: a withdrawal of the first attempt (answered 503) must let it stand.
          redis.call('HSET', KEYS[1], 'told', 1)
          return {'dup', dedupe}
        end

        local pseudonym = ARGV[1]
        local colour = tonumber(ARGV[2])
        local credentials = tonumber(ARGV[4])
        local name = '*'
        if pseudonym ~= '' then
          local c
          if KEYS[7] then
            c = redis.call('HMGET', KEYS[7], 'colour', 'version', 'credentials', 'name')
          else
            c = {ARGV[21], ARGV[22], ARGV[23], ARGV[24]}
          end
          -- Not stored at all: the caller loads the citizen and asks again. Nothing is remembered.
          if not c[1] or c[1] == '' then return {'unknown'} end
          -- The newer status wins; on a tie, the city's copy.
          if tonumber(c[2]) >= tonumber(ARGV[3]) then colour = tonumber(c[1]) end
          credentials = tonumber(c[3])
          name = c[4]
        end

        local entering = ARGV[5] == 'in'
        local lateUpload = ARGV[26] == '1'
        -- Anti-passback needs an identity: a foreign pass has none.
        local antiPassback = ARGV[10] == '1' and pseudonym ~= ''
        local occupancy = tonumber(redis.call('GET', KEYS[2]) or '0')
        local inside = pseudonym ~= '' and redis.call('SISMEMBER', KEYS[3], pseudonym) == 1
        local code = 'allowed'
        local after = occupancy
        if not entering then
          -- Leaving is never refused for health: only anti-passback can stop an exit.
          if antiPassback and not inside then code = 'not_inside' else after = math.max(0, occupancy - 1) end
        else
          local required = tonumber(ARGV[7])
          local capacity = tonumber(ARGV[8])
          if redis.call('EXISTS', KEYS[5]) == 1 then code = 'token_replayed'
          elseif bit.band(tonumber(ARGV[6]), bit.lshift(1, colour)) == 0 then code = 'status_not_allowed'
          elseif bit.band(credentials, required) ~= required then code = 'credential_missing'
          elseif ARGV[9] == '1' and (pseudonym == '' or redis.call('SISMEMBER', KEYS[4], pseudonym) == 0) then code = 'booking_required'
          elseif ARGV[11] ~= '1' then code = 'venue_closed'
          elseif antiPassback and inside then code = 'already_inside'
          elseif capacity >= 0 and occupancy >= capacity then code = 'venue_full'
          else after = occupancy + 1 end
        end

        local allowed = code == 'allowed'
        -- A late upload describes the past: the record says what the rules say, today's figures stay as they are.
        if lateUpload then after = occupancy end
        -- Whether the presence set changed (an exit of someone not inside changes nothing): a withdrawal undoes only that.
        local moved = 0
        if allowed and not lateUpload then
          redis.call('SET', KEYS[2], after)
          if pseudonym ~= '' then
            if entering then moved = redis.call('SADD', KEYS[3], pseudonym) else moved = redis.call('SREM', KEYS[3], pseudonym) end
          end
          if entering then redis.call('SET', KEYS[5], '1', 'PX', ARGV[12]) end
        end

        local colours = {[0] = 'green', [1] = 'yellow', [2] = 'red'}
        local record = {
          '{{F.ScanId}}', ARGV[13], '{{F.GateId}}', ARGV[14], '{{F.VenueId}}', ARGV[15], '{{F.Direction}}', ARGV[5],
          '{{F.Allowed}}', allowed and '1' or '0', '{{F.Code}}', code, '{{F.Colour}}', colours[colour], '{{F.Name}}', name,
          '{{F.CitizenId}}', pseudonym, '{{F.Issuer}}', ARGV[16], '{{F.TokenId}}', ARGV[17],
          '{{F.ScannedAt}}', ARGV[18], '{{F.DecidedAt}}', ARGV[19], '{{F.LateUpload}}', lateUpload and '1' or '0'}
        redis.call('XADD', KEYS[6], '*', unpack(record))
        redis.call('HSET', KEYS[1], 'occupancy', after, 'moved', moved, unpack(record))
        redis.call('PEXPIRE', KEYS[1], ARGV[20])
        return {'new', after, code, colours[colour], name}
        """);
}
