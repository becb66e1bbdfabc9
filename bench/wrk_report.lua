-- wrk's summary as one line bench/serve_latency.sh reads: requests, errors (sockets, timeouts
-- and non-2xx/3xx answers), latency percentiles in milliseconds, requests per second.
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.1f\n", summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
