// Saved views: a name for the current URL's view, kept in this browser's localStorage,
// opened from a list and deleted while open. The URL stays the way to share one.

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

// The saved view this page shows, if any: the one whose query string is the page's.
function current() {
  return load().find((view) => view.search === location.search);
}

// Marks the open saved view in the list and offers to delete it; runs on every change of view.
export function syncSavedViews() {
  const select = $('#views');
  const views = load();
  const open = views.find((view) => view.search === location.search);
  select.replaceChildren(
    h('option', { value: '', text: 'Saved views…' }),
    ...views.map((view) => h('option', { value: view.search, text: view.name, selected: view === open })),
  );
  const remove = $('#delete-view');
  remove.hidden = !open;
  remove.setAttribute('aria-label', open ? `Delete saved view ${open.name}` : 'Delete saved view');
}

export function bindSavedViews() {
  syncSavedViews();
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
    syncSavedViews();
  });
  $('#delete-view').addEventListener('click', () => {
    const open = current();
    if (!open || !window.confirm(`Delete the saved view "${open.name}"?`)) return;
    store(load().filter((v) => v.name !== open.name));
    syncSavedViews();
  });
}
