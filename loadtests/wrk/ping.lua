-- Baseline: GET /v1/ping, the server's trivial endpoint, driven through the same wrk machinery as
-- the scans (a request() and a response() per request), so the ratio compares the server's work.
local lib = dofile(os.getenv("CP_WRK_DIR") .. "/lib.lua")

-- Global: done() reads it from each thread with thread:get().
counters = nil
local req

function setup(thread) lib.setup(thread) end

function init(args)
  counters = lib.new_counters()
  req = wrk.format("GET", "/v1/ping", { ["Host"] = "127.0.0.1" })
end

function request() return req end

function response(status, headers, body)
  lib.bump(counters, "status." .. status)
  lib.bump(counters, "kind.ping")
end

-- CP_QUANTILES (optional): latency points for merging with other wrk processes (lib.done).
function done(summary, latency, requests) lib.done(summary, latency, requests, tonumber(lib.env("CP_QUANTILES", "0"))) end
