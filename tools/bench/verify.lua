-- wrk: POST /api/v1/verify for random (national code, tracking code) pairs of a targets file (TARGETS), with the
-- agency key in KEY; one request in four also asks for the birth date. Statuses other than 200 are counted.
local bodies = {}
local f = assert(io.open(os.getenv("TARGETS") or "/tmp/targets.csv"))
for line in f:lines() do
  local nc, tc = line:match("^(%d+),(%d+),")
  if nc then bodies[#bodies + 1] = {nc, tc} end
end
f:close()
local key = assert(os.getenv("KEY"), "set KEY to an agency's API key")
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
local n = 0
request = function()
  n = n + 1
  local p = bodies[math.random(#bodies)]
  local extra = ""
  if n % 4 == 0 then extra = ',"attributes":{"birth_date_jalali":"1370-01-01"}' end
  local body = string.format('{"national_code":"%s","tracking_code":"%s","purpose":"identity_check"%s}', p[1], p[2], extra)
  return wrk.format("POST", "/api/v1/verify", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  non-2xx %d\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
