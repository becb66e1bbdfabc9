// Saved views: a name for the current URL's view, kept in this browser's localStorage and
// opened from a list. The URL stays the way to share one.

import { $, h } from './dom.js';

const KEY = 'till.views';

function load() {
  try {
    const views = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(views) ? views.filter((v) => v?.name && v?.search != null) : [];
  } catch {
    return [];
  }
}

function store(views) {
  try {
    localStorage.setItem(KEY, JSON.stringify(views));
    return true;
  } catch {
    return false;
  }
}

function fill() {
  const select = $('#views');
  select.replaceChildren(
    h('option', { value: '', text: 'Saved views…' }),
    ...load().map((view) => h('option', { value: view.search, text: view.name })),
  );
}

export function bindSavedViews() {
  fill();
  $('#views').addEventListener('change', (e) => {
    const search = e.target.value;
    if (search) location.assign(location.pathname + search);
  });
  $('#save-view').addEventListener('click', () => {
    const name = window.prompt('Name of this view');
    if (!name?.trim()) return;
    const views = load().filter((v) => v.name !== name.trim());
    views.push({ name: name.trim(), search: location.search });
    store(views);
    fill();
  });
}
