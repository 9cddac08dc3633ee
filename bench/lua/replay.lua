-- wrk script: replay the request lines the harness prepared, one thread-stride each.
--
-- BENCH_REQUESTS names a file of tab-separated lines: METHOD, PATH,
-- Idempotency-Key (or "-") and a JSON body (or nothing). When BENCH_CYCLE is
-- "0" the lines are used once (fresh transfers to confirm, free slots to
-- book): thread k of n takes lines k, k+n, k+2n, ... and running out is
-- counted. Otherwise every thread cycles through all lines.
-- BENCH_TOKEN is the API key. done() writes a JSON summary to BENCH_OUT.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local thread_count = tonumber(os.getenv("BENCH_THREADS"))
  local token = os.getenv("BENCH_TOKEN")
  cycle = os.getenv("BENCH_CYCLE") ~= "0"
  requests_ = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if cycle or n % thread_count == thread_index then
      local f = split(line)
      local headers = {["Accept"] = "application/json"}
      if token and token ~= "" then headers["Authorization"] = "Token " .. token end
      if f[3] ~= "-" then headers["Idempotency-Key"] = f[3] end
      local body = f[4]
      if body == "" then body = nil else headers["Content-Type"] = "application/json" end
      table.insert(requests_, wrk.format(f[1], f[2], headers, body))
    end
    n = n + 1
  end
  -- Threads cycling through the same lines start at different ones.
  next_ = cycle and (thread_index % #requests_) or 0
  non2xx = 0
  exhausted = 0
  first_error = ""
end

function request()
  next_ = next_ + 1
  if next_ > #requests_ then
    if not cycle then exhausted = exhausted + 1 end
    next_ = 1
  end
  return requests_[next_]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_error == "" then first_error = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local non2xx_total, exhausted_total, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    exhausted_total = exhausted_total + thread:get("exhausted")
    if first == "" then first = thread:get("first_error") end
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, "exhausted": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, "first_error": %s}\n',
    summary.requests, summary.duration, summary.bytes, non2xx_total, exhausted_total,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    quote(first)))
  out:close()
end
