// Live updates: `till serve` sends an event each time its data changes (server-sent events on
// /api/v1/events, docs/api.md), and the page refetches at once instead of at its next poll.
//
// EventSource cannot send a bearer token, so when the page holds one the same stream is read
// through fetch. When neither works (a server without the endpoint, too many streams open, a
// proxy that holds the stream back), the page's poll goes on alone; after a restart of the
// server the stream is opened again (EventSource by itself, at the `retry` the server asks).

import { apiUrl, currentToken } from './api.js';

const REFUSED_RETRY_MS = 30_000; // after the server refused the stream (503 or 404)
const LOST_RETRY_MS = 2_000; // after a stream read through fetch ended

// Calls `onChange(event)` with each event's data ({data_version, refreshed_at, sales}) and
// `onState(open)` when the stream opens or is lost.
export function subscribe(onChange, onState) {
  const token = currentToken();
  if (!token && typeof EventSource !== 'undefined') readThroughEventSource(onChange, onState);
  else if (typeof TextDecoderStream !== 'undefined') readThroughFetch(token, onChange, onState);
}

function readThroughEventSource(onChange, onState) {
  const source = new EventSource(apiUrl('events'));
  source.addEventListener('open', () => onState(true));
  source.addEventListener('change', (event) => onChange(JSON.parse(event.data)));
  source.addEventListener('error', () => {
    onState(false);
    // CLOSED: the server answered with something else than a stream; EventSource gives up.
    // Otherwise it reconnects by itself.
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => readThroughEventSource(onChange, onState), REFUSED_RETRY_MS);
    }
  });
}

// The events of a text/event-stream body: each block up to a blank line, its `event:` and
// `data:` fields (comments, starting with ':', are heartbeats).
function* eventsIn(blocks) {
  for (const block of blocks) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) yield { type, data: data.join('\n') };
  }
}

async function readThroughFetch(token, onChange, onState) {
  let wait = LOST_RETRY_MS;
  try {
    const response = await fetch(apiUrl('events'), {
      headers: {
        Accept: 'text/event-stream',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      cache: 'no-store',
    });
    if (!response.ok || !response.body) {
      wait = REFUSED_RETRY_MS;
      return;
    }
    onState(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replaceAll('\r\n', '\n');
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop();
      for (const event of eventsIn(blocks)) {
        if (event.type === 'change') onChange(JSON.parse(event.data));
      }
    }
  } catch {
    // The server went away: tried again below, as EventSource would.
  } finally {
    onState(false);
    setTimeout(() => readThroughFetch(currentToken() ?? token, onChange, onState), wait);
  }
}
