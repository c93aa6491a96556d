namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The scan as one Lua script: Redis runs it atomically, so the dedupe check, the decision, the
/// occupancy check-and-increment and the stream append can't interleave with another gate's scan.
/// The rules are <see cref="Core.Venues.EntryRules.Decide"/>'s, in the same order; the contract tests
/// run both on every combination. Opening hours are evaluated in C# (time zones) and arrive as a flag.
/// It does as little as a decision allows, because every call inside it is Redis CPU on every scan: the
/// presence set is kept and looked at only for anti-passback, a check that can also make the admission's change makes it in the
/// same call (the replay mark by SET NX, the presence by SADD/SREM, the occupancy by INCR/DECR) and a later refusal
/// takes it back, the record arrives half-written from the server (<see cref="ScanStreamFields.Head"/>) and goes to
/// the stream as one string; the dedupe answer keeps only what the decision added.
/// </summary>
internal static class ScanScript
{
    // KEYS: 1 dedupe answer, 2 occupancy, 3 presence set (anti-passback only), 4 bookings set, 5 replay mark, 6 scan stream,
    //       7 tickets hash (<see cref="TicketValue"/>), 8 citizen hash (standalone and Sentinel only; on a cluster it lives
    //       on another node and its fields arrive in ARGV 17-20 instead).
    public const int KeyCount = 8;

    // ARGV: 1 pseudonym ('' for another city's pass), 2 the pass's colour, 3 its status version, 4 its credentials that
    //       count (a foreign pass's, as far as the venue's policy trusts them; unused for this city's passes),
    //       5 'in' or 'out', 6 allowed colours (bits), 7 required credentials (bits), 8 capacity (-1: none),
    //       9 '1' booking required, 10 '1' anti-passback, 11 '1' open now, 12 replay mark's lifetime (ms),
    //       13 dedupe answer's lifetime (ms),
    //       14 the deadline in Redis's clock (Unix ms; '' for none): a script started after it does nothing,
    //       15 '1' for a late upload (a scan the gate sends long after it made it): decided and recorded as any
    //          other, but it leaves occupancy, presence and the replay mark alone. Not to be confused with the
    //          'late' answer below, which is about the deadline,
    //       16 the record's head (<see cref="ScanStreamFields.Head"/>), 17-20 the citizen's colour, version,
    //          credentials and name on a cluster ('' otherwise), 21 now (the attempt's, Unix ms): when a ticket must be valid.
    public const int ArgumentCount = 21;

    // The answers: {'unknown'}, {'dup', the first answer}, {'late', 0, 0}, {'new', occupancy, code, colour, name, seat}.
    public const int UnknownReplyLength = 1;
    public const int DuplicateReplyLength = 2;
    public const int LateReplyLength = 3;
    public const int NewReplyLength = 6;

    /// <summary>
    /// Between a dedupe answer's name and the seat of the ticket that admitted the scan (only when there is one). A unit
    /// separator: names and seats are printable, so neither holds it, and a server that does not know the seat yet reads
    /// it as part of the name rather than failing.
    /// </summary>
    public const char SeatSeparator = '\u001f';

    /// <summary>
    /// The dedupe answer is one string, <c>&lt;told&gt;&lt;effect&gt;|&lt;occupancy&gt;|&lt;decided_at&gt;|&lt;late_upload&gt;|&lt;allowed&gt;|&lt;code&gt;|&lt;colour&gt;|&lt;name&gt;</c>
    /// (read by <see cref="ScanStreamFields.ParseDedupeAnswer"/>): told is '1' once a retry was given it (its withdrawal must then let it stand);
    /// effect is what a withdrawal must undo: '-' nothing (denied, or a late upload), 'i' an entry counted and its
    /// replay mark set, 'I' the same and the citizen added to the presence set, 'o' an exit counted, 'O' the same and
    /// the citizen removed from the set. Only what the decision added: the ids a retry or a withdrawal needs are the
    /// attempt's own, so the answer is about 50 bytes, not the record's 250 (one per scan for the dedupe window). An entry a
    /// ticket admitted adds <see cref="SeatSeparator"/> and the seat after the name, so a retry shows the seat too.
    /// </summary>
    public static readonly RedisScript Script = new($$"""
        -- A scan the API has already answered 503 (Redis hung, then resumed) must not take effect now.
        if ARGV[14] ~= '' then
          local t = redis.call('TIME')
          if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[14]) then return {'late', 0, 0} end
        end

        local seen = redis.call('GET', KEYS[1])
        if seen then
          -- The first answer has now been given to the gate: a withdrawal of the first attempt (answered 503) must let it stand.
          if string.byte(seen, 1) == 48 then redis.call('SETRANGE', KEYS[1], 0, '1') end
          return {'dup', seen}
        end

        local pseudonym = ARGV[1]
        local colour = tonumber(ARGV[2])
        local credentials = tonumber(ARGV[4])
        local name = '*'
        if pseudonym ~= '' then
          local c
          if KEYS[8] then
            c = redis.call('HMGET', KEYS[8], 'colour', 'version', 'credentials', 'name')
          else
            c = {ARGV[17], ARGV[18], ARGV[19], ARGV[20]}
          end
          -- Not stored at all: the caller loads the citizen and asks again. Nothing is remembered.
          if not c[1] or c[1] == '' then return {'unknown'} end
          -- The newer status wins; on a tie, the city's copy.
          if tonumber(c[2]) >= tonumber(ARGV[3]) then colour = tonumber(c[1]) end
          credentials = tonumber(c[3])
          name = c[4]
        end

        local entering = ARGV[5] == 'in'
        -- Read only where the venue requires a booking, as EntryRules asks: the first ticket valid now admits and gives its
        -- seat (TicketWindow.Admitting); else a plain booking (no seat) does.
        local seat = ''
        local function booked()
          if pseudonym == '' then return false end
          local held = redis.call('HGET', KEYS[7], pseudonym)
          if held then
            local now = tonumber(ARGV[21])
            for from, to, s in string.gmatch(held, '\n(%d+) (%d+) ([^\n]*)') do
              if tonumber(from) <= now and now < tonumber(to) then seat = s return true end
            end
          end
          return redis.call('SISMEMBER', KEYS[4], pseudonym) == 1
        end
        local lateUpload = ARGV[15] == '1'
        -- Anti-passback needs an identity: a foreign pass has none.
        local antiPassback = ARGV[10] == '1' and pseudonym ~= ''
        local capacity = tonumber(ARGV[8])
        local code = 'allowed'
        -- Where a live scan may be admitted, the call that checks the replay mark or the presence set also makes the
        -- change an admission makes (SET NX, SADD, SREM), and a later rule that refuses takes it back: a call fewer on
        -- nearly every scan, since nearly every scan is admitted. A late upload changes nothing, so it only reads.
        local marked = false
        local moved = 0
        if not entering then
          -- Leaving is never refused for health: only anti-passback can stop an exit.
          if antiPassback then
            local inside
            if lateUpload then inside = redis.call('SISMEMBER', KEYS[3], pseudonym) else moved = redis.call('SREM', KEYS[3], pseudonym) inside = moved end
            if inside == 0 then code = 'not_inside' end
          end
        else
          local colourOk = bit.band(tonumber(ARGV[6]), bit.lshift(1, colour)) ~= 0
          local required = tonumber(ARGV[7])
          local credentialsOk = bit.band(credentials, required) == required
          local open = ARGV[11] == '1'
          local replayed
          if lateUpload or not (colourOk and credentialsOk and open) then
            replayed = redis.call('EXISTS', KEYS[5]) == 1
          else
            marked = redis.call('SET', KEYS[5], '1', 'PX', ARGV[12], 'NX') ~= false
            replayed = not marked
          end
          if replayed then code = 'token_replayed'
          elseif not colourOk then code = 'status_not_allowed'
          elseif not credentialsOk then code = 'credential_missing'
          elseif ARGV[9] == '1' and not booked() then code = 'booking_required'
          elseif not open then code = 'venue_closed'
          elseif antiPassback then
            local inside
            if lateUpload then inside = redis.call('SISMEMBER', KEYS[3], pseudonym) else moved = redis.call('SADD', KEYS[3], pseudonym) inside = 1 - moved end
            if inside == 1 then code = 'already_inside' end
          end
        end

        -- The occupancy: a live scan admitted so far counts itself in the call that reads it (INCR, DECR); a refused scan, or
        -- a late upload (it describes the past: the record says what the rules say, today's figures stay as they are), only reads.
        local occupancy
        local after
        if code ~= 'allowed' or lateUpload then
          occupancy = tonumber(redis.call('GET', KEYS[2]) or '0')
          after = occupancy
          if code == 'allowed' and entering and capacity >= 0 and occupancy >= capacity then code = 'venue_full' end
        elseif entering then
          after = redis.call('INCR', KEYS[2])
          if capacity >= 0 and after > capacity then
            after = redis.call('DECR', KEYS[2])
            code = 'venue_full'
          end
        else
          after = redis.call('DECR', KEYS[2])
          if after < 0 then
            redis.call('SET', KEYS[2], 0)
            after = 0
          end
        end

        local allowed = code == 'allowed'
        if not allowed then
          -- Refused after all: take back what the checks changed.
          if marked then redis.call('DEL', KEYS[5]) end
          -- Only an entry's SADD can have moved a refused scan (an exit that moved someone was admitted).
          if moved == 1 then redis.call('SREM', KEYS[3], pseudonym) end
          moved = 0
          seat = ''
        end
        if not entering then seat = '' end
        local effect = '-'
        if allowed and not lateUpload then
          -- Whether the presence set changed (anti-passback's SADD or SREM above; an exit of someone not inside changes
          -- nothing): a withdrawal undoes only that. Without anti-passback nobody's presence is kept: nothing reads it, and
          -- at a venue that scans no exits the set would hold everyone who ever came in.
          -- An admitted live entry has set its replay mark above (SET NX): only such a scan gets this far with allowed.
          if entering then
            effect = moved == 1 and 'I' or 'i'
          else
            effect = moved == 1 and 'O' or 'o'
          end
        end

        local colourName = colour == 0 and 'green' or colour == 1 and 'yellow' or 'red'
        local decision = (allowed and '1|' or '0|') .. code .. '|' .. colourName .. '|' .. name
        redis.call('XADD', KEYS[6], '*', '{{ScanStreamFields.Record}}', ARGV[16] .. '|' .. decision)
        -- The head starts with decided_at: the withdrawal matches the refused attempt by it.
        local answer = '0' .. effect .. '|' .. after .. '|' .. string.match(ARGV[16], '^[^|]*') .. '|' .. ARGV[15] .. '|' .. decision
        if seat ~= '' then answer = answer .. '\31' .. seat end
        redis.call('SET', KEYS[1], answer, 'PX', ARGV[13])
        return {'new', after, code, colourName, name, seat}
        """);

    /// <summary>
    /// A citizen's tickets at a venue as the tickets hash holds them: the revision of the read it was made from, then per
    /// ticket a line <c>&lt;from ms&gt; &lt;until ms&gt; &lt;seat&gt;</c> (seats are printable: no line breaks). Just the revision:
    /// none can admit now (kept so that an older copy arriving later does not bring cancelled tickets back).
    /// </summary>
    public static string TicketValue(long revision, IReadOnlyList<Core.Venues.TicketWindow> tickets)
    {
        var value = new System.Text.StringBuilder(revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var t in tickets)
        {
            value.Append('\n').Append(ScanStreamFields.ToUnixMs(t.From)).Append(' ').Append(ScanStreamFields.ToUnixMs(t.Until)).Append(' ').Append(t.Seat);
        }
        return value.ToString();
    }

    // KEYS: 1 the venue's tickets hash. ARGV: 1 the revision, then pairs of pseudonym and value (TicketValue; '' for a
    // citizen the reconciler found in the hash and not in the store). A copy from an older read is ignored; '' over a copy
    // that is only a revision already (nothing to admit) removes the field, so the hash does not keep every past buyer.
    public static readonly RedisScript PutTicketsScript = new("""
        local revision = tonumber(ARGV[1])
        for i = 2, #ARGV, 2 do
          local held = redis.call('HGET', KEYS[1], ARGV[i])
          if not held or tonumber(string.match(held, '^%d+')) <= revision then
            if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            elseif held and not string.find(held, '\n', 1, true) then redis.call('HDEL', KEYS[1], ARGV[i])
            elseif held then redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
          end
        end
        return 1
        """);
}
