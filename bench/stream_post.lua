-- wrk's client for bench/stream.sh: each request posts ROWS NDJSON rows to /v1/transactions,
-- every row new (its Transaction_ID counts up, apart for each wrk thread and run), the rest of
-- the row the template's. Ends with the summary line of wrk_report.lua, and "ERR" lines for
-- answers other than 200.
local rows = tonumber(os.getenv("STREAM_ROWS") or "1")
local template = os.getenv("STREAM_TEMPLATE")
local base = tonumber(os.getenv("STREAM_BASE") or "0")
local counter = 0
-- A global, not a local: setup() sets it in each thread's state through thread:set, which a
-- local of the same name would hide (every thread then sent the same ids, half the rows
-- duplicates).
thread_id = 0
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function request()
  local lines = {}
  for i = 1, rows do
    counter = counter + 1
    local id = base + thread_id * 100000000 + counter
    lines[i] = string.format(template, id)
  end
  return wrk.format("POST", "/v1/transactions", {["Content-Type"] = "application/x-ndjson"},
                    table.concat(lines, "\n") .. "\n")
end

function response(status, headers, body)
  if status ~= 200 then io.stderr:write("ERR " .. status .. " " .. body:sub(1, 200) .. "\n") end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.1f\n", summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
