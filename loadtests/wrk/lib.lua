-- Shared by the CityPass wrk scripts: a microsecond clock, file loading, scan ids, pacing for fixed
-- request rates, per-thread logs and a machine-readable summary. Loaded with dofile() by each script,
-- in wrk's main Lua state and in every thread's own state.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } cp_timespec;
int clock_gettime(int clk_id, cp_timespec *tp);
]]

local lib = {}
local ts = ffi.new("cp_timespec")
local CLOCK_MONOTONIC = 1

-- wrk's Lua has no sub-second clock; latencies measured from a request's planned start need one.
function lib.now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

function lib.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("wrk script: environment variable " .. name .. " is not set") end
    return default
  end
  return v
end

function lib.read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  if #lines == 0 then error("wrk script: " .. path .. " is empty") end
  return lines
end

-- A UUID that no other thread or run can produce: the run's tag, the thread, a counter.
function lib.scan_id(tag, thread_id, n)
  return string.format("%s-%04x-4000-8000-%012x", tag, thread_id, n)
end

-- setup() runs in the main state once per thread: number the threads and keep them for done().
local threads = {}
function lib.setup(thread)
  thread:set("cp_thread_id", #threads + 1)
  threads[#threads + 1] = thread
end

-- Fixed-rate pacing (open loop, as far as wrk allows). The thread owns a schedule of slots,
-- rate/threads a second; whenever a connection is free it takes the next slot and waits for it
-- (wrk's delay(), whole milliseconds). A request is timed from its slot when it left more than
-- 1.5 ms late - no free connection, or the server fell behind - so a stall shows in the
-- percentiles instead of being hidden (coordinated omission); otherwise from when it was sent.
--
-- max_lag_us (optional): a schedule that has fallen further behind than this skips the slots it
-- missed instead of sending them all at once when it can again. A gate whose server was away does
-- not replay minutes of scans in a burst; without the cap, a server restart would be followed by a
-- catch-up at full speed that hides how the server itself recovers. Skipped slots are counted
-- (p.skipped, and the span they covered in p.skipped_from/p.skipped_to) for the runner to report.
function lib.pacer(rate_total, thread_count, max_lag_us)
  local p = { interval = thread_count * 1000000 / rate_total, next_slot = nil, queue = {}, head = 1, tail = 0, skipped = 0 }
  function p.claim()
    local now = lib.now_us()
    if p.next_slot == nil then p.next_slot = now end
    if max_lag_us and now - p.next_slot > max_lag_us then
      local missed = math.floor((now - p.next_slot) / p.interval)
      p.skipped = p.skipped + missed
      p.skipped_from, p.skipped_to = p.next_slot, p.next_slot + missed * p.interval
      p.next_slot = p.skipped_to
    end
    local slot = p.next_slot
    p.next_slot = p.next_slot + p.interval
    return slot, now
  end
  function p.delay_ms()
    local slot, now = p.claim()
    p.tail = p.tail + 1
    p.queue[p.tail] = slot
    local wait = (slot - now) / 1000
    if wait <= 0 then return 0 end
    return math.ceil(wait)
  end
  -- Called from request(): the start time this request is measured from.
  function p.start()
    local now = lib.now_us()
    local slot
    if p.head <= p.tail then
      slot = p.queue[p.head]
      p.queue[p.head] = nil
      p.head = p.head + 1
    elseif p.next_slot == nil or p.next_slot <= now then
      slot = p.claim() -- a connection's first request: wrk sends it without asking delay()
    else
      -- A first request while the schedule is ahead of the clock: it goes out now whatever we do, so it takes
      -- no slot. Otherwise a storm of reconnects (a server closing every connection it gets) would use up the
      -- schedule minutes ahead, and the load would stall for that long once the server answered again.
      slot = now
    end
    if now - slot > 1500 then return slot end
    return now
  end
  return p
end

-- Per-thread counters, read by done() through thread:get(). Flat ("status.200", "kind.scan",
-- "retries"): wrk 4.1's thread:get() crashes on nested tables.
function lib.new_counters()
  return {}
end

function lib.bump(t, key)
  t[key] = (t[key] or 0) + 1
end

local function json_value(v)
  local t = type(v)
  if t == "table" and #v > 0 then
    local items = {}
    for i = 1, #v do items[i] = json_value(v[i]) end
    return "[" .. table.concat(items, ",") .. "]"
  elseif t == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = string.format("%q:%s", tostring(k), json_value(x)) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "0" end
    return string.format("%.17g", v)
  elseif t == "boolean" then
    return tostring(v)
  end
  return string.format("%q", tostring(v))
end

local function merge(into, from)
  for k, v in pairs(from or {}) do into[k] = (into[k] or 0) + v end
end

-- done(): one line the runner parses, prefixed CPJSON, with wrk's own figures and the threads' counters.
-- With quantiles = K (> 0), also the latency at the middle of each of K equal shares of the requests
-- (each point stands for 1/K of them): percentiles of one wrk process can't be added to another's,
-- but these points can, so the runner merges the latency of several wrk processes run at once.
function lib.done(summary, latency, requests, quantiles)
  local counters = {}
  for _, thread in ipairs(threads) do merge(counters, thread:get("counters")) end
  local e = summary.errors
  local out = {
    duration_us = summary.duration, requests = summary.requests, bytes = summary.bytes,
    errors = { connect = e.connect, read = e.read, write = e.write, status = e.status, timeout = e.timeout },
    latency_us = {
      min = latency.min, max = latency.max, mean = latency.mean, stdev = latency.stdev,
      p50 = latency:percentile(50), p90 = latency:percentile(90), p99 = latency:percentile(99), p999 = latency:percentile(99.9),
    },
    counters = counters,
  }
  if quantiles and quantiles > 0 then
    local points = {}
    for k = 1, quantiles do points[k] = latency:percentile((k - 0.5) * 100 / quantiles) end
    out.latency_us.quantiles = points
  end
  io.write("CPJSON " .. json_value(out) .. "\n")
end

return lib
