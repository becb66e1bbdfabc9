-- Distinct heavy questions for bench/serve_latency.sh: breakdowns over every product and city,
-- each with a limit no other request used, until QUESTIONS (default 10000) have been answered
-- across all THREADS (wrk's -t, given again). Then the same summary line as wrk_report.lua.
local counter = 0

setup = function(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

init = function(args)
  local total = tonumber(os.getenv("QUESTIONS") or "10000")
  stride = tonumber(os.getenv("THREADS") or "1")
  quota = math.floor(total / stride)
  asked = 0
  answered = 0
end

request = function()
  asked = asked + 1
  local limit = 1000 + offset + stride * asked
  return wrk.format("GET", "/api/v1/breakdown?by=product&by=city&limit=" .. limit)
end

response = function(status, headers, body)
  answered = answered + 1
  if answered >= quota then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.1f\n", summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
