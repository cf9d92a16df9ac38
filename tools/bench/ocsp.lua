-- wrk: POST /ocsp with one fixed DER OCSPRequest (file given as OCSP_REQUEST, default req.der), as a relying
-- party's client sends it. Run by tools/bench/ocsp.sh.
local path = os.getenv("OCSP_REQUEST") or "req.der"
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/ocsp-request"

local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non-200: %d\n", bad))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
