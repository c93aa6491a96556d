-- The scan-verify path: POST /v1/scans with a random pass of the pool at a random gate, each with a
-- new scan id. Optional, per mille of requests: retries of an already answered scan (same gate, same
-- body; the server must answer the first answer again and record nothing new), pass refreshes
-- (GET /v1/me/pass as a signed-in citizen) and status changes (PUT /v1/citizens/{id}/status as the
-- health authority). Closed loop, or a fixed total rate with CP_RATE.
--
-- Environment: CP_WRK_DIR, CP_PASSES (lines "pseudonym pass"), CP_GATES (a gate credential a line),
-- CP_LOG (prefix of the per-thread logs), CP_TAG (8 hex digits, unique per run), CP_THREADS,
-- CP_RATE (requests/s in total; 0 = as fast as possible), CP_RETRY_PERMILLE, CP_REFRESH_PERMILLE,
-- CP_STATUS_PERMILLE, CP_CITIZEN_TOKENS (bearer tokens, a line each), CP_AUTHORITY_TOKEN.
-- Optional, for the fault run: CP_MAX_LAG_MS (a fixed-rate schedule further behind than this skips the
-- slots it missed, see lib.pacer) and CP_LOG_SENT=1 (also log every new scan when it is sent).
--
-- Each thread logs a line per response: scan id (or "-"), status, latency in microseconds (-1 when
-- unknown), decision code (or the kind of request), duplicate flag, retry flag, completion time (ms,
-- monotonic), gate id (or "-"). The runner checks every answered (gate, scan id) against the archive
-- from these logs: a scan id is the gate's own, so the pair is what names a record. An answer that
-- carries no scan id (a ProblemDetails: 503 store_unavailable, ...) is logged with "-" for the id and
-- its problem code in the code field. Skipped slots are logged as "~ count from_ms to_ms".
--
-- With CP_LOG_SENT=1 each thread also writes CP_LOG-<thread>.sent, a line per new scan when it is
-- sent: scan id, gate id, time (ms, monotonic). A problem answer can't be tied to its request (wrk
-- tells response() nothing about it), so the runner finds the refused scans as those sent and never
-- answered with their id, and checks that none of them reached the archive.
local lib = dofile(os.getenv("CP_WRK_DIR") .. "/lib.lua")

local rate = tonumber(lib.env("CP_RATE", "0"))
local retry_pm = tonumber(lib.env("CP_RETRY_PERMILLE", "0"))
local refresh_pm = tonumber(lib.env("CP_REFRESH_PERMILLE", "0"))
local status_pm = tonumber(lib.env("CP_STATUS_PERMILLE", "0"))

-- Globals: done() reads counters from each thread with thread:get().
counters = nil
local thread_id, tag, passes, pseudonyms, gates, gate_ids, citizen_tokens, authority, case_id
local pacer, log, logged = nil, nil, 0
local sent_log, skipped_logged = nil, 0
local n = 0
local pending = {}            -- scan id -> { start, gate, pass, retry, code }
local answered, ring_size, ring_next = {}, 1000, 1
local status_n = 0

function setup(thread) lib.setup(thread) end

function init(args)
  counters = lib.new_counters()
  thread_id = cp_thread_id
  tag = lib.env("CP_TAG")
  math.randomseed(thread_id * 7919 + math.floor(lib.now_us()) % 1000003)
  passes, pseudonyms = {}, {}
  for _, line in ipairs(lib.read_lines(lib.env("CP_PASSES"))) do
    local id, text = line:match("^(%x+) (.+)$")
    pseudonyms[#pseudonyms + 1] = id
    passes[#passes + 1] = text
  end
  gates = lib.read_lines(lib.env("CP_GATES"))
  -- A gate credential is "cpg_<gate id, 32 hex digits>_<secret>".
  gate_ids = {}
  for i, credential in ipairs(gates) do gate_ids[i] = credential:sub(5, 36) end
  if refresh_pm > 0 then citizen_tokens = lib.read_lines(lib.env("CP_CITIZEN_TOKENS")) end
  if status_pm > 0 then authority, case_id = lib.env("CP_AUTHORITY_TOKEN"), lib.env("CP_CASE") end
  local max_lag_ms = tonumber(lib.env("CP_MAX_LAG_MS", "0"))
  if rate > 0 then pacer = lib.pacer(rate, tonumber(lib.env("CP_THREADS")), max_lag_ms > 0 and max_lag_ms * 1000 or nil) end
  log = io.open(lib.env("CP_LOG") .. "-" .. thread_id .. ".log", "w")
  log:setvbuf("full", 65536)
  if lib.env("CP_LOG_SENT", "0") == "1" then
    sent_log = io.open(lib.env("CP_LOG") .. "-" .. thread_id .. ".sent", "w")
    sent_log:setvbuf("full", 65536)
  end
end

if rate > 0 then
  function delay() return pacer.delay_ms() end
end

local function scan_request(id, gate, pass)
  local body = '{"text":"' .. passes[pass] .. '","scanId":"' .. id .. '","direction":"in"}'
  return wrk.format("POST", "/v1/scans", {
    ["Host"] = "127.0.0.1", ["Content-Type"] = "application/json", ["Authorization"] = "Gate " .. gates[gate],
  }, body)
end

function request()
  local start = pacer and pacer.start() or lib.now_us()
  if pacer and pacer.skipped > skipped_logged then
    log:write("~ ", pacer.skipped - skipped_logged, " ", math.floor(pacer.skipped_from / 1000), " ", math.floor(pacer.skipped_to / 1000), "\n")
    skipped_logged = pacer.skipped
  end
  local roll = math.random(1000)
  if roll <= refresh_pm then
    return wrk.format("GET", "/v1/me/pass", {
      ["Host"] = "127.0.0.1", ["Authorization"] = "Bearer " .. citizen_tokens[math.random(#citizen_tokens)],
    })
  end
  if roll <= refresh_pm + status_pm then
    status_n = status_n + 1
    local colour = (math.random(2) == 1) and "green" or "yellow"
    local body = '{"colour":"' .. colour .. '","reason":"Load test status change","caseRef":"' .. case_id .. '"}'
    return wrk.format("PUT", "/v1/citizens/" .. pseudonyms[math.random(#pseudonyms)] .. "/status", {
      ["Host"] = "127.0.0.1", ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. authority,
    }, body)
  end
  if roll <= refresh_pm + status_pm + retry_pm and #answered > 0 then
    local a = answered[math.random(#answered)]
    if pending[a.id] == nil then
      pending[a.id] = { start = start, gate = a.gate, pass = a.pass, retry = true, code = a.code }
      return scan_request(a.id, a.gate, a.pass)
    end
  end
  n = n + 1
  local id = lib.scan_id(tag, thread_id, n)
  local gate, pass = math.random(#gates), math.random(#passes)
  pending[id] = { start = start, gate = gate, pass = pass, retry = false }
  if sent_log then sent_log:write(id, " ", gate_ids[gate], " ", math.floor(lib.now_us() / 1000), "\n") end
  return scan_request(id, gate, pass)
end

function response(status, headers, body)
  lib.bump(counters, "status." .. status)
  local id = body and body:match('"scanId":"([%x%-]+)"')
  if id == nil then
    local kind = "other"
    if body and body:find('"refreshAfter"', 1, true) then kind = "refresh"
    elseif body and body:find('"auditSequence"', 1, true) then kind = "status"
    end
    lib.bump(counters, "kind." .. kind)
    -- A problem's code names the failure (store_unavailable, rate_limited, internal_error, ...).
    local problem = kind == "other" and body and body:match('"code":"([%w_]+)"')
    log:write("- ", status, " -1 ", problem or kind, " 0 0 ", math.floor(lib.now_us() / 1000), " -\n")
    return
  end
  local now = lib.now_us()
  lib.bump(counters, "kind.scan")
  local p = pending[id]
  pending[id] = nil
  local code = body:match('"code":"([%w_]+)"') or "-"
  local dup = body:find('"duplicate":true', 1, true) and 1 or 0
  lib.bump(counters, "code." .. code)
  local latency = -1
  if p then latency = math.floor(now - p.start) else lib.bump(counters, "unmatched") end
  local retry = p and p.retry
  if retry then
    lib.bump(counters, "retries")
    if dup == 1 then lib.bump(counters, "retries_dup") end
    if p.code ~= code then lib.bump(counters, "retries_code_changed") end
  elseif status == 200 and p then
    answered[ring_next] = { id = id, gate = p.gate, pass = p.pass, code = code }
    ring_next = ring_next % ring_size + 1
  end
  log:write(id, " ", status, " ", latency, " ", code, " ", dup, " ", retry and 1 or 0, " ", math.floor(now / 1000), " ", p and gate_ids[p.gate] or "-", "\n")
  logged = logged + 1
  if logged % 4096 == 0 then log:flush() end
end

function done(summary, latency, requests) lib.done(summary, latency, requests) end
