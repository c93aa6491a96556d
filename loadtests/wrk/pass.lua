-- A citizen's pass, read through their grain: GET /v1/me/pass with the bearer token of a signed-in
-- citizen picked at random per request, so the reads spread over all their grains (on whichever silo
-- each lives) as the citizens' phones would. Closed loop. The answer is the pass the grain holds (it
-- issues a new one only when the held one is due for refresh or the citizen's status changed).
--
-- Environment: CP_WRK_DIR, CP_CITIZEN_TOKENS (bearer tokens, a line each), CP_QUANTILES (latency
-- points for merging several wrk processes' latency, see lib.done).
local lib = dofile(os.getenv("CP_WRK_DIR") .. "/lib.lua")

-- Global: done() reads it from each thread with thread:get().
counters = nil
local requests_by_token

function setup(thread) lib.setup(thread) end

function init(args)
  counters = lib.new_counters()
  math.randomseed(cp_thread_id * 7919 + math.floor(lib.now_us()) % 1000003)
  -- Formatted once per token: the request is the whole cost on wrk's side.
  requests_by_token = {}
  for i, token in ipairs(lib.read_lines(lib.env("CP_CITIZEN_TOKENS"))) do
    requests_by_token[i] = wrk.format("GET", "/v1/me/pass", { ["Host"] = "127.0.0.1", ["Authorization"] = "Bearer " .. token })
  end
end

function request() return requests_by_token[math.random(#requests_by_token)] end

function response(status, headers, body)
  lib.bump(counters, "status." .. status)
  -- A pass answer carries its refresh time; anything else (a problem document) is counted apart.
  if status == 200 and body and body:find('"refreshAfter"', 1, true) then lib.bump(counters, "kind.pass") else lib.bump(counters, "kind.other") end
end

function done(summary, latency, requests) lib.done(summary, latency, requests, tonumber(lib.env("CP_QUANTILES", "0"))) end
