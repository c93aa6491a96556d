using F = CityPass.Server.Stores.Redis.ScanStreamFields;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Takes back a scan the API answered 503 although the scan script ran (its answer came after the budget): the
/// occupancy, presence and replay mark it moved are moved back, its dedupe answer is forgotten (the gate's retry
/// is decided afresh) and its record goes to the stream again flagged withdrawn, after the record itself, for the
/// archiver. Only the attempt that was refused is taken back: the dedupe answer must carry its decision time (a
/// retry that met an earlier, answered attempt's dedupe answer changed nothing and takes nothing back), and no retry
/// may have been given that answer since (the scan script marks it 'told'): the gate acted on it, so it stands.
/// </summary>
internal static class WithdrawScript
{
    // KEYS: 1 dedupe answer, 2 occupancy, 3 presence set, 4 replay mark, 5 scan stream, 6 the venue's write check.
    // ARGV: 1 the refused attempt's decided-at (Unix ms), 2 its deadline (Unix ms, Redis's clock), 3 its record's head
    //       (<see cref="F.Head"/>, as the scan script got it), 4 its citizen's pseudonym ('' for another city's pass).
    // Answers: 1 taken back, 0 nothing to take back (the script never ran, or the answer is another attempt's),
    //          2 it stands (a retry was given its answer), -1 too early: the deadline has not passed, so the scan
    //          could still start (ask again later).
    public static readonly RedisScript Script = new($$"""
        -- A replica must refuse before reading: one that lags (or the old primary, back and not yet in sync, while the
        -- client still takes it for the primary) would find nothing and answer "nothing to take back" for a scan its
        -- primary decided. A write fails on a replica at once (READONLY).
        redis.call('DEL', KEYS[6])
        local t = redis.call('TIME')
        if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) <= tonumber(ARGV[2]) then return -1 end

        local seen = redis.call('GET', KEYS[1])
        if not seen then return 0 end
        -- <told><effect>|<occupancy>|<decided_at>|<late_upload>|<allowed>|<code>|<colour>|<name> (ScanScript.Script)
        local told, effect, decided, decision = string.match(seen, '^(.)(.)|[^|]*|([^|]*)|[01]|(.*)$')
        if decided ~= ARGV[1] then return 0 end
        -- The seat an admitting ticket added after the name is the gate's, not the record's.
        decision = string.match(decision, '^[^\31]*')
        -- A retry with the same scan id was given this answer meanwhile: the gate acted on it, so it stands.
        if told == '1' then return 2 end
        local pseudonym = ARGV[4]
        if effect ~= '-' then
          local occupancy = tonumber(redis.call('GET', KEYS[2]) or '0')
          if effect == 'i' or effect == 'I' then
            redis.call('SET', KEYS[2], math.max(0, occupancy - 1))
            if effect == 'I' then redis.call('SREM', KEYS[3], pseudonym) end
            redis.call('DEL', KEYS[4])
          else
            redis.call('SET', KEYS[2], occupancy + 1)
            if effect == 'O' then redis.call('SADD', KEYS[3], pseudonym) end
          end
        end
        redis.call('DEL', KEYS[1])
        -- The record as the scan appended it (the same head, the answer's decision), flagged for the archiver.
        redis.call('XADD', KEYS[5], '*', '{{F.Record}}', ARGV[3] .. '|' .. decision, '{{F.Withdrawn}}', '1')
        return 1
        """);
}
