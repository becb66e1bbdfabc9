"""POST to visible for bench/stream_visible.sh: clients post new rows to `till stream` while one
client reads `till serve`'s event stream (/api/v1/events); a request's rows are visible at the
first event after its answer whose sales count holds every row answered by then (answered rows
are committed, so the snapshot that shows this request's rows shows those too).

  stream_visible.py SERVE_PORT STREAM_PORT TEMPLATE_JSON ROWS CLIENTS SECONDS ID_BASE

Prints "VISIBLE requests p50_ms p95_ms p99_ms max_ms".
"""
import http.client
import json
import sys
import threading
import time

serve_port, stream_port = int(sys.argv[1]), int(sys.argv[2])
template = json.loads(sys.argv[3])
rows, clients, seconds, id_base = (int(a) for a in sys.argv[4:8])

events = []  # (monotonic time, sales)
events_lock = threading.Condition()


def read_events():
    connection = http.client.HTTPConnection("127.0.0.1", serve_port)
    connection.request("GET", "/api/v1/events")
    response = connection.getresponse()
    assert response.status == 200, response.status
    for line in response:
        if line.startswith(b"data: "):
            sales = json.loads(line[6:])["sales"]
            with events_lock:
                events.append((time.monotonic(), sales))
                events_lock.notify_all()


threading.Thread(target=read_events, daemon=True).start()
with events_lock:
    events_lock.wait_for(lambda: events, timeout=10)
    assert events, "no event from till serve"
    first_sales = events[-1][1]

answered_rows = 0  # rows answered 200 so far, over all clients
answered_lock = threading.Lock()
latencies = []
next_id = [id_base]


def client(number):
    connection = http.client.HTTPConnection("127.0.0.1", stream_port)
    end = time.monotonic() + seconds
    global answered_rows
    while time.monotonic() < end:
        with answered_lock:
            first = next_id[0]
            next_id[0] += rows
        body = "".join(
            json.dumps(dict(template, Transaction_ID=str(first + i))) + "\n" for i in range(rows)
        )
        posted = time.monotonic()
        connection.request("POST", "/v1/transactions", body,
                           {"Content-Type": "application/x-ndjson"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            continue
        with answered_lock:
            answered_rows += rows
            needed = first_sales + answered_rows
        with events_lock:
            events_lock.wait_for(lambda: events[-1][1] >= needed, timeout=30)
            seen = next((t for t, s in events if s >= needed and t >= posted), None)
        if seen is not None:
            latencies.append((seen - posted) * 1000)


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]


print("VISIBLE %d %.0f %.0f %.0f %.0f" % (len(latencies), pct(50), pct(95), pct(99), latencies[-1]))
