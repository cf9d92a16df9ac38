-- wrk: POST /api/v1/applications/{tc}/appointment for applications waiting for one (targets whose state is
-- awaiting_appointment), each once, at random offices (OFFICES: one office id a line) on open days (DAYS: one
-- Solar Hijri date a line). Each request carries the applicant's national code (the first column of the targets
-- file), as the API requires. Statuses other than 201 are counted and printed.
local threads = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
local function lines(path)
  local t = {}
  for l in assert(io.open(path)):lines() do t[#t + 1] = l end
  return t
end
init = function(args)
  local n, i = tonumber(os.getenv("THREADS") or "2"), 0
  codes_ = {}
  for line in assert(io.open(os.getenv("TARGETS") or "/tmp/targets.csv")):lines() do
    local nc, tc, st = line:match("^(%d+),(%d+),(.+)$")
    if st == "awaiting_appointment" then
      if i % n == id - 1 then codes_[#codes_ + 1] = {nc, tc} end
      i = i + 1
    end
  end
  offices = lines(os.getenv("OFFICES") or "/tmp/offices.txt")
  days = lines(os.getenv("DAYS") or "/tmp/days.txt")
  math.randomseed(id * 7919 + os.time())
  next_ = 1
  created, other = 0, 0
end
request = function()
  local target = codes_[next_] or codes_[#codes_]
  next_ = next_ + 1
  local body = string.format('{"national_code":"%s","office_id":"%s","date_jalali":"%s"}',
    target[1], offices[math.random(#offices)], days[math.random(#days)])
  return wrk.format("POST", "/api/v1/applications/" .. target[2] .. "/appointment",
    {["Content-Type"] = "application/json"}, body)
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
