-- wrk: GET /api/v1/status for random (national code, tracking code) pairs from a targets file
-- (`shenas bench seed --targets FILE`, lines `national_code,tracking_code,state`). Set TARGETS to its path.
local pairs_ = {}
local f = assert(io.open(os.getenv("TARGETS") or "/tmp/targets.csv"))
for line in f:lines() do
  local nc, tc = line:match("^(%d+),(%d+),")
  if nc then pairs_[#pairs_ + 1] = "/api/v1/status?national_code=" .. nc .. "&tracking_code=" .. tc end
end
f:close()
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
request = function()
  return wrk.format("GET", pairs_[math.random(#pairs_)])
end
local codes = {}
response = function(status) codes[status] = (codes[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
