-- wrk: POST /api/v1/applications with ready bodies (`shenas bench seed --bodies N --bodies-out FILE`), each body
-- sent once: thread k of n takes lines k, k+n, k+2n, … Set BODIES to the file. Run with the captcha and rate
-- limits off. Statuses other than 201 are counted and printed.
local threads = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
init = function(args)
  bodies = {}
  local n, i = tonumber(os.getenv("THREADS") or "2"), 0
  local f = assert(io.open(os.getenv("BODIES") or "/tmp/bodies.jsonl"))
  for line in f:lines() do
    if i % n == id - 1 then bodies[#bodies + 1] = line end
    i = i + 1
  end
  f:close()
  next_ = 1
  created, other = 0, 0
end
request = function()
  local b = bodies[next_] or bodies[#bodies]
  next_ = next_ + 1
  return wrk.format("POST", "/api/v1/applications", {["Content-Type"] = "application/json"}, b)
end
response = function(status)
  if status == 201 then created = created + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("201: %d  other: %d  p50 %.2f ms  p99 %.2f ms\n", c, o,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
