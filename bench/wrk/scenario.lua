-- One load scenario for wrk, configured by environment variables (set by bench/run.py):
--   BENCH_PATHS     space-separated paths; each request picks one at random
--   BENCH_SESSIONS  space-separated "sessionid:csrftoken" pairs; each request picks one
--                   (empty: anonymous visitor)
--   BENCH_METHOD    GET (default) or POST
--   BENCH_BODY      form-encoded body for POST; the CSRF token is added to it
--   BENCH_OUT       where done() writes the JSON summary (latencies in microseconds)

local paths = {}
local sessions = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""

function init(args)
  for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
    table.insert(paths, path)
  end
  for pair in string.gmatch(os.getenv("BENCH_SESSIONS") or "", "%S+") do
    local sessionid, csrftoken = string.match(pair, "([^:]+):([^:]+)")
    table.insert(sessions, { sessionid = sessionid, csrftoken = csrftoken })
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local path = paths[math.random(#paths)]
  local headers = {}
  local payload = nil
  if #sessions > 0 then
    local session = sessions[math.random(#sessions)]
    headers["Cookie"] = "sessionid=" .. session.sessionid .. "; csrftoken=" .. session.csrftoken
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      payload = "csrfmiddlewaretoken=" .. session.csrftoken .. "&" .. body
    end
  end
  return wrk.format(method, path, headers, payload)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local out = assert(io.open(os.getenv("BENCH_OUT") or "wrk-summary.json", "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, '
      .. '"p50": %d, "p90": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)
  ))
  out:close()
end
