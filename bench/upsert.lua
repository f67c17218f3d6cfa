-- wrk script: POST /users/{a new random UUID} with a small user, then one JSON line of figures.
-- Arguments after `--`: the API key, a random seed.

local body = '{"name":"Ada Lovelace","about":"First programmer","metadata":{"born":1815}}'
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("number", threads)
end

function init(args)
   wrk.method = "POST"
   wrk.headers["Authorization"] = "Bearer " .. args[1]
   wrk.headers["Content-Type"] = "application/json"
   math.randomseed(tonumber(args[2]) + wrk.thread:get("number"))
end

local function hex(digits)
   return string.format("%0" .. digits .. "x", math.random(0, 16 ^ digits - 1))
end

function request()
   local id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-" .. string.format("%x", math.random(8, 11))
      .. hex(3) .. "-" .. hex(6) .. hex(6)
   return wrk.format(nil, "/users/" .. id, nil, body)
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"seconds":%f,"errors":%d,"p50_ms":%f,"p99_ms":%f}\n',
      summary.requests, summary.duration / 1e6,
      errors.connect + errors.read + errors.write + errors.status + errors.timeout,
      latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
