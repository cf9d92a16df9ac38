-- wrk: GET /api/v1/offices for random (area code, open day) pairs: AREAS (one province area code a line, default
-- all 31) and DAYS (one Solar Hijri date a line, the open days of the booking horizon).
local function lines(path)
  local t = {}
  for l in assert(io.open(path)):lines() do t[#t + 1] = l end
  return t
end
local areas = {"021","026","031","051","041","044","045","071","061","076","077","081","083","084","086","087",
  "011","013","017","023","024","025","028","034","035","038","054","056","058","066","074"}
if os.getenv("AREAS") then areas = lines(os.getenv("AREAS")) end
local days = lines(os.getenv("DAYS") or "/tmp/days.txt")
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
request = function()
  return wrk.format("GET", "/api/v1/offices?area_code=" .. areas[math.random(#areas)] ..
    "&date_jalali=" .. days[math.random(#days)])
end
local codes = {}
response = function(status) codes[status] = (codes[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
