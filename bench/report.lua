-- wrk script: sends the request described by env BENCH_BODY / BENCH_HEADERS and prints one
-- machine-readable line with microsecond percentiles (wrk keeps latencies in µs).
local body = os.getenv("BENCH_BODY")
local headers_json = os.getenv("BENCH_HEADERS") or ""

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
for name, value in string.gmatch(headers_json, "([^\n:]+):%s*([^\n]+)") do
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "BENCH {\"requests\":%d,\"durationUs\":%d,\"p50\":%d,\"p90\":%d,\"p99\":%d,\"mean\":%.1f,\"errors\":%d,\"non2xx\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, errors, summary.errors.status))
end
