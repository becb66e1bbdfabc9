// The Till dashboard's entry module: binds the controls, reads meta and dimensions, polls.
//
// Every number comes from the JSON API of `till serve` (docs/api.md). The view is one `state`
// object that the URL mirrors (state.js); each chart or table is a widget of a tab (tab-*.js),
// loaded by loading.js.
//
// Everything from the data reaches the page as text (textContent, canvas text, or escaped
// tooltip HTML), never as markup.

import { apiFetch, apiUrl, takeTokenFromHash } from './api.js';
import { clearBanner, describeError, setBanner } from './banner.js';
import { charts } from './charts.js';
import { $, $$ } from './dom.js';
import { buildDimensionFilters } from './filters.js';
import { formatInteger } from './format.js';
import { downloadCsv, update } from './loading.js';
import {
  changeState,
  meta,
  presetRange,
  readUrl,
  setDimensions,
  setMeta,
  state,
  whenChanged,
} from './state.js';

const POLL_MS = 10_000;

function bindControls() {
  for (const button of $$('[data-tab]')) {
    button.addEventListener('click', () => changeState(() => (state.tab = button.dataset.tab)));
  }
  $('#grain').addEventListener('change', (e) => changeState(() => (state.grain = e.target.value)));
  $('#from').addEventListener('change', (e) => changeState(() => (state.from = e.target.value)));
  $('#to').addEventListener('change', (e) => changeState(() => (state.to = e.target.value)));
  for (const button of $$('[data-preset]')) {
    button.addEventListener('click', () =>
      changeState(() => ([state.from, state.to] = presetRange(button.dataset.preset))),
    );
  }
  $('#clear-all').addEventListener('click', () => changeState(() => (state.filters = {})));
  $('#dims-toggle').addEventListener('click', (e) => {
    const open = $('.filters').classList.toggle('open');
    e.currentTarget.setAttribute('aria-expanded', String(open));
  });
  for (const button of $$('[data-csv]')) {
    button.addEventListener('click', () => downloadCsv(button.dataset.csv));
  }
  $('#banner-close').addEventListener('click', clearBanner);
  // A click outside an open dropdown, or Escape, closes it.
  document.addEventListener('click', (e) => {
    for (const details of $$('details.dd[open]'))
      if (!details.contains(e.target)) details.open = false;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    for (const details of $$('details.dd[open]')) {
      details.open = false;
      details.querySelector('summary').focus();
    }
  });
  window.addEventListener('popstate', () => {
    readUrl();
    update();
  });
}

function applyMeta(answer) {
  setMeta(answer);
  const span = meta.first_date ? `${meta.first_date} – ${meta.last_date}` : 'no dated sales';
  $('#meta-info').textContent = `${formatInteger(meta.rows)} rows · ${span}`;
  for (const input of [$('#from'), $('#to')]) {
    input.min = meta.first_date ?? '';
    input.max = meta.last_date ?? '';
  }
}

async function loadDimensions() {
  const answer = await apiFetch(apiUrl('dimensions'));
  setDimensions(answer.dimensions);
  buildDimensionFilters();
}

let started = false; // the state has been read from the URL (needs meta and dimensions)

// Reads meta; when the data changed (or on the first success), reloads the dimensions and
// refetches everything.
async function poll() {
  try {
    const answer = await apiFetch(apiUrl('meta'));
    setBanner('meta', null);
    if (!started || answer.data_version !== meta?.data_version) {
      applyMeta(answer);
      await loadDimensions();
      if (!started) readUrl();
      started = true;
      update();
    }
  } catch (error) {
    setBanner('meta', describeError(error));
    if (!started) document.body.dataset.state = 'error';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function start() {
  // What tests read: the charts, the state, and the time of the first complete render (which
  // loading.js sets).
  window.till = { charts, state, firstRenderMs: undefined };
  whenChanged(update);
  takeTokenFromHash();
  bindControls();
  poll();
}

start();
