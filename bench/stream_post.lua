-- wrk's client for bench/stream.sh: each request posts ROWS NDJSON rows to /v1/transactions,
-- every row new (its Transaction_ID counts up, apart for each wrk thread and run), the rest of
-- the row the template's. Ends with the summary line of wrk_report.lua, and "ERR" lines for
-- answers other than 200.
--
-- The client shares the machine's cores with the server it measures, so a request is put
-- together from pieces made once: row i of a request is the template's text before the id, the
-- request's number, then i in three digits and the rest of the row. Formatting every row anew
-- cost the client about 9.5 µs a row, as much CPU as the server's own work.
local rows = tonumber(os.getenv("STREAM_ROWS") or "1")
local template = os.getenv("STREAM_TEMPLATE")
local base = tonumber(os.getenv("STREAM_BASE") or "0")
assert(rows >= 1 and rows <= 1000, "STREAM_ROWS is 1 to 1000")
-- A global, not a local: setup() sets it in each thread's state through thread:set, which a
-- local of the same name would hide (every thread then sent the same ids, half the rows
-- duplicates).
thread_id = 0
local threads = {}
local next_id = 0
local sent = 0
local parts = nil

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- parts holds, for each row, the text before its id, the request's number (set per request)
-- and the row's three digits with the rest of the row.
local function make_parts()
  local before, after = template:match("^(.-)%%d(.*)$")
  after = after:gsub("%%%%", "%%")
  before = before:gsub("%%%%", "%%")
  parts = {}
  for i = 0, rows - 1 do
    parts[3 * i + 1] = before
    parts[3 * i + 2] = ""
    parts[3 * i + 3] = string.format("%03d", i) .. after .. "\n"
  end
end

function request()
  if parts == nil then make_parts() end
  sent = sent + 1
  -- Ids of a thread's requests: base + thread * 10^11 + request * 1000 + row, so 10^8 requests
  -- a thread before two threads could meet.
  local number = string.format("%d", (base + thread_id * 100000000000) / 1000 + sent)
  for i = 0, rows - 1 do parts[3 * i + 2] = number end
  return wrk.format("POST", "/v1/transactions", {["Content-Type"] = "application/x-ndjson"},
                    table.concat(parts))
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
