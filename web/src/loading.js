// Loading of the visible tab's widgets, and of a widget's data as a CSV download.
//
// Each widget is a request built from the state and a render of its answer; body[data-state]
// tells tests (and CSS) whether every one of them shows its latest data. A change of state
// refetches the widgets of the visible tab whose request changed; the others re-render from
// what they already hold (cross-filter highlighting depends on the state, not on the answer).
//
// Each widget's card says where it stands (data-status): "loading" the first time (a
// placeholder, never a blank card), "stale" while an answer for new filters is on its way (the
// old content marked as such), "error" when its request failed (the old content hidden, the
// reason and a retry button shown), "ready" otherwise.

import { apiFetch, apiUrl } from './api.js';
import { describeError, setBanner } from './banner.js';
import { $, h } from './dom.js';
import { showTab, syncFilterBar } from './filters.js';
import { meta, state } from './state.js';
import { widgets as customers } from './tab-customers.js';
import { widgets as forecast } from './tab-forecast.js';
import { widgets as growth } from './tab-growth.js';
import { widgets as operations } from './tab-operations.js';
import { widgets as overview } from './tab-overview.js';
import { widgets as pipeline } from './tab-pipeline.js';
import { widgets as sales } from './tab-sales.js';
import { widgets as satisfaction } from './tab-satisfaction.js';
import { syncSavedViews } from './views.js';

const widgets = [
  ...overview,
  ...sales,
  ...customers,
  ...operations,
  ...satisfaction,
  ...growth,
  ...forecast,
  ...pipeline,
];

let generation = 0; // bumps on every update(); an answer for an older one is dropped
let controller = null;

function cardOf(widget) {
  const node = $(
    `[data-chart="${widget.id}"], [data-widget="${widget.id}"], [data-table="${widget.id}"]`,
  );
  return node?.closest('.card');
}

function setStatus(widget, status, error) {
  const card = cardOf(widget);
  if (!card) return;
  card.dataset.status = status;
  card.setAttribute('aria-busy', String(status === 'loading' || status === 'stale'));
  let note = card.querySelector(':scope > .card-status');
  if (!note) {
    note = h('div', { class: 'card-status', role: 'status' });
    card.querySelector('.card-head').after(note);
  }
  if (status === 'loading') note.replaceChildren(h('span', { text: 'Loading…' }));
  else if (status === 'stale') note.replaceChildren(h('span', { text: 'Updating for the new view…' }));
  else if (status === 'error') {
    note.replaceChildren(
      h('span', { text: `Could not load: ${describeError(error)}` }),
      h('button', { type: 'button', class: 'retry', text: 'Retry', onclick: () => update() }),
    );
  } else note.replaceChildren();
}

// Forgets every answer held: the next update() asks the server again for all of them (after a
// reconnection or a restart of the server, whose data may differ).
export function invalidate() {
  for (const widget of widgets) widget.cache = undefined;
}

export async function update() {
  const current = ++generation;
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  document.body.dataset.state = 'loading';
  showTab();
  syncFilterBar();
  syncSavedViews();

  const pending = new Map(); // URL → promise, so widgets asking the same thing share one fetch
  const load = async (widget) => {
    const [endpoint, params] = widget.request();
    const url = apiUrl(endpoint, params);
    const key = `${url}#${meta?.data_version}`;
    if (widget.cache?.key !== key) {
      setStatus(widget, widget.cache ? 'stale' : 'loading');
      if (!pending.has(url)) pending.set(url, apiFetch(url, { signal }));
      try {
        const data = await pending.get(url);
        if (current !== generation) return;
        widget.cache = { key, data };
      } catch (error) {
        if (current === generation && error.name !== 'AbortError') {
          // What the card held answered other filters: it must not pass for this view.
          widget.cache = undefined;
          setStatus(widget, 'error', error);
        }
        throw error;
      }
    }
    widget.render(widget.cache.data);
    setStatus(widget, 'ready');
  };
  const results = await Promise.allSettled(widgets.filter((w) => w.tab === state.tab).map(load));
  if (current !== generation) return;

  const failure = results.find((r) => r.status === 'rejected' && r.reason?.name !== 'AbortError');
  setBanner('data', failure ? describeError(failure.reason) : null);
  document.body.dataset.state = failure ? 'error' : 'ready';
  if (!failure && window.till.firstRenderMs === undefined) {
    window.till.firstRenderMs = performance.now();
  }
  if (!failure) window.till.tabRenderMs[state.tab] ??= performance.now() - window.till.tabClickedAt;
}

export async function downloadCsv(id) {
  const widget = widgets.find((w) => w.id === id);
  const [endpoint, params] = (widget.csvRequest ?? widget.request).call(widget);
  const query = new URLSearchParams(params ?? undefined);
  query.set('format', 'csv');
  try {
    const blob = await apiFetch(apiUrl(endpoint, query), { as: 'blob' });
    const href = URL.createObjectURL(blob);
    const link = h('a', { href, download: `till-${id}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
    setBanner('csv', null);
  } catch (error) {
    setBanner('csv', describeError(error));
  }
}
