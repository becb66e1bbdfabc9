// Loading of the visible tab's widgets, and of a widget's data as a CSV download.
//
// Each widget is a request built from the state and a render of its answer; body[data-state]
// tells tests (and CSS) whether every one of them shows its latest data. A change of state
// refetches the widgets of the visible tab whose request changed; the others re-render from
// what they already hold (cross-filter highlighting depends on the state, not on the answer).

import { apiFetch, apiUrl } from './api.js';
import { describeError, setBanner } from './banner.js';
import { h } from './dom.js';
import { showTab, syncFilterBar } from './filters.js';
import { meta, state } from './state.js';
import { widgets as customers } from './tab-customers.js';
import { widgets as operations } from './tab-operations.js';
import { widgets as overview } from './tab-overview.js';
import { widgets as pipeline } from './tab-pipeline.js';
import { widgets as sales } from './tab-sales.js';
import { widgets as satisfaction } from './tab-satisfaction.js';

const widgets = [...overview, ...sales, ...customers, ...operations, ...satisfaction, ...pipeline];

let generation = 0; // bumps on every update(); an answer for an older one is dropped
let controller = null;

export async function update() {
  const current = ++generation;
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  document.body.dataset.state = 'loading';
  showTab();
  syncFilterBar();

  const pending = new Map(); // URL → promise, so widgets asking the same thing share one fetch
  const load = async (widget) => {
    const [endpoint, params] = widget.request();
    const url = apiUrl(endpoint, params);
    const key = `${url}#${meta?.data_version}`;
    if (widget.cache?.key !== key) {
      if (!pending.has(url)) pending.set(url, apiFetch(url, { signal }));
      const data = await pending.get(url);
      if (current !== generation) return;
      widget.cache = { key, data };
    }
    widget.render(widget.cache.data);
  };
  const results = await Promise.allSettled(widgets.filter((w) => w.tab === state.tab).map(load));
  if (current !== generation) return;

  const failure = results.find((r) => r.status === 'rejected' && r.reason?.name !== 'AbortError');
  setBanner('data', failure ? describeError(failure.reason) : null);
  document.body.dataset.state = failure ? 'error' : 'ready';
  if (!failure && window.till.firstRenderMs === undefined) {
    window.till.firstRenderMs = performance.now();
  }
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
