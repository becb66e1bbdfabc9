// The Pipeline tab: the freshness of the data, the streams' rate, lag and rejects, and tables of
// runs, files and rejected rows.

import { apiFetch, apiUrl } from './api.js';
import { $, h } from './dom.js';
import { formatDecimal, formatInteger, formatTimestamp } from './format.js';
import { state } from './state.js';

// Pipeline tables: columns in the order the API gives them.
const COLUMN_LABELS = {
  run_id: 'Run',
  file_id: 'File id',
  uri: 'File',
  rows_read: 'Read',
  rows_loaded: 'Loaded',
  rows_rejected: 'Rejected',
  rows_duplicate: 'Duplicates',
  started_at: 'Started',
  finished_at: 'Finished',
  row_rejected: 'Outcome',
  line: 'Line',
  rows_per_second: 'Rows/s (last minute)',
  lag_seconds: 'Lag',
  state: 'State',
  last_batch_at: 'Last batch',
  failed_batches: 'Failed batches',
};

// Columns holding identifiers or positions: numbers printed as they are, without separators.
const PLAIN_NUMBERS = new Set(['line', 'run_id', 'file_id']);

// A cell's text: timestamps in local time, booleans in words, counts with separators.
function cellText(key, value) {
  if (value == null) return '—';
  if (key.endsWith('_at')) return formatTimestamp(value);
  if (key === 'row_rejected') return value ? 'row rejected' : 'value nulled';
  if (key === 'rows_per_second') return formatDecimal(value);
  if (key === 'lag_seconds') return formatLag(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    return PLAIN_NUMBERS.has(key) || key.endsWith('_id') ? String(value) : formatInteger(value);
  }
  return String(value);
}

function renderTable(id, rows) {
  const container = $(`[data-table="${id}"]`);
  if (!rows.length) {
    container.replaceChildren(h('p', { class: 'empty', text: 'Nothing yet.' }));
    return;
  }
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const label = (key) =>
    COLUMN_LABELS[key] ?? key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ');
  const cell = (key, value) => {
    const numeric = typeof value === 'number';
    const text = cellText(key, value);
    const props = {
      text,
      class: numeric ? 'num' : null,
      title:
        key === 'uri' || key === 'error' || key === 'message'
          ? text
          : key.endsWith('_at') && value
            ? String(value)
            : null,
    };
    if (key === 'status') props.dataset = { status: String(value) };
    if (key === 'state') props.dataset = { state: String(value) };
    return h('td', props);
  };
  container.replaceChildren(
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, ...columns.map((key) => h('th', { scope: 'col', text: label(key) }))),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row) => h('tr', {}, ...columns.map((key) => cell(key, row[key])))),
      ),
    ),
  );
}

function tableWidget(id, endpoint, limit, pick, csvParams = {}) {
  return {
    id,
    tab: 'pipeline',
    request: () => [endpoint, new URLSearchParams({ limit: String(limit) })],
    csvRequest: () => [endpoint, new URLSearchParams({ limit: String(limit), ...csvParams })],
    render: (data) => renderTable(id, pick(data) ?? []),
  };
}

function humanAge(seconds) {
  if (seconds == null) return 'never';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

// A stream's lag: how long ago its newest batch committed.
function formatLag(seconds) {
  if (seconds < 90) return `${formatDecimal(seconds)} s`;
  return humanAge(Math.round(seconds)).replace(' ago', '');
}

// A warehouse that is a read-only replica: how far behind its primary it is.
function replicaState(data) {
  if (!data.replica_receiving) return 'not receiving from its primary';
  const lag = data.replica_lag_seconds;
  if (lag == null) return 'lag unknown';
  if (lag < 1) return 'up to date with its primary';
  return `${humanAge(Math.round(lag)).replace(' ago', '')} behind its primary`;
}

const freshnessWidget = {
  id: 'freshness',
  tab: 'pipeline',
  request: () => ['pipeline/freshness', null],
  render(data) {
    const facts = [
      [
        'Last load',
        humanAge(data.last_success_at ? data.age_seconds : null),
        data.last_success_at ? formatTimestamp(data.last_success_at) : null,
      ],
      ['Files loaded', formatInteger(data.files_loaded)],
      ['Files failed', formatInteger(data.files_failed)],
      ['Files skipped', formatInteger(data.files_skipped)],
      ['Rows loaded', formatInteger(data.rows_loaded)],
      ['Rows rejected', formatInteger(data.rows_rejected)],
      ['Duplicate rows', formatInteger(data.rows_duplicate)],
      ['Runs in progress', formatInteger(data.runs_running)],
    ];
    if (data.replica) facts.push(['Replica', replicaState(data)]);
    $('[data-widget="freshness"]').replaceChildren(
      ...facts.map(([term, value, detail]) =>
        h(
          'div',
          {},
          h('dt', { text: term }),
          h('dd', { text: value }, detail ? h('small', { text: detail }) : null),
        ),
      ),
    );
  },
};

// Sales that arrive over a stream (`till stream`, `till watch kinesis://`): one row a stream.
// The page is told of new data, not of time passing: a stream that stopped sends nothing, so
// its row would keep the lag and rate of its last answer. While the tab shows, its lag is aged
// every second from the answer (the server's own clock, so the browser's may be off), the
// stream is called idle once its newest batch is older than the rate's window, as the server
// says, and the rows are asked for again every STREAMS_REFRESH_MS for their rate.
const STREAMS_IDLE_SECONDS = 60; // the server's rate window
const STREAMS_TICK_MS = 1_000;
const STREAMS_REFRESH_MS = 10_000;
let streamsShown = null; // { rows, at: when answered (performance.now()), from: the answer }
let streamsTimer = null;
let streamsAsking = false;

function agedStreams() {
  const elapsed = (performance.now() - streamsShown.at) / 1000;
  return streamsShown.rows.map((row) => {
    if (row.state !== 'receiving' || row.lag_seconds == null) return row;
    const lag = row.lag_seconds + elapsed;
    if (lag < STREAMS_IDLE_SECONDS) return { ...row, lag_seconds: Math.round(lag * 10) / 10 };
    return { ...row, state: 'idle', lag_seconds: null, rows_per_second: 0 };
  });
}

async function tickStreams() {
  if (state.tab !== 'pipeline' || !streamsShown || document.hidden) return;
  renderTable('streams', agedStreams());
  if (streamsAsking || !streamsShown.rows.length) return;
  if (performance.now() - streamsShown.at < STREAMS_REFRESH_MS) return;
  streamsAsking = true;
  try {
    const data = await apiFetch(apiUrl('pipeline/streams'));
    streamsShown = { ...streamsShown, rows: data.streams ?? [], at: performance.now() };
    if (state.tab === 'pipeline') renderTable('streams', agedStreams());
  } catch {
    // The page's own poll reports an unreachable server; the rows go on aging meanwhile.
  } finally {
    streamsAsking = false;
  }
}

const streamsWidget = {
  id: 'streams',
  tab: 'pipeline',
  request: () => ['pipeline/streams', null],
  render(data) {
    // An answer rendered again from the page's cache keeps the newer rows asked for since.
    if (streamsShown?.from !== data) {
      streamsShown = { rows: data.streams ?? [], at: performance.now(), from: data };
    }
    renderTable('streams', agedStreams());
    streamsTimer ??= setInterval(tickStreams, STREAMS_TICK_MS);
  },
};

export const widgets = [
  freshnessWidget,
  streamsWidget,
  tableWidget('runs', 'pipeline/runs', 50, (d) => d.runs),
  tableWidget('files', 'pipeline/files', 100, (d) => d.files),
  tableWidget('reject_reasons', 'pipeline/rejects', 100, (d) => d.reasons, { part: 'reasons' }),
  tableWidget('recent_rejects', 'pipeline/rejects', 100, (d) => d.recent, { part: 'recent' }),
];
