// The tab bar and the filter bar (dates, grain, dimension dropdowns, chips) showing the state.

import { apiFetch, apiUrl } from './api.js';
import { $, $$, h } from './dom.js';
import { formatInteger } from './format.js';
import {
  dimByName,
  dimensions,
  filterParams,
  presetRange,
  selected,
  state,
  toggleMember,
} from './state.js';

// The filter bar groups; a dimension the server adds later lands in "Other".
const DIM_GROUPS = [
  ['Product', ['category', 'brand', 'product_type', 'product']],
  ['Location', ['country', 'state', 'city']],
  ['Customer', ['segment', 'age_band', 'gender', 'income']],
  ['Order', ['payment_method', 'shipping_method', 'order_status', 'feedback', 'rating']],
];

export function showTab() {
  for (const button of $$('[data-tab]')) {
    const active = button.dataset.tab === state.tab;
    button.setAttribute('aria-selected', String(active));
    button.tabIndex = active ? 0 : -1;
    if (active) {
      // On a phone the tab bar scrolls sideways: bring the active tab into it.
      const bar = button.parentElement.getBoundingClientRect();
      const box = button.getBoundingClientRect();
      if (box.left < bar.left || box.right > bar.right)
        button.parentElement.scrollLeft += box.left - bar.left;
    }
  }
  for (const panel of $$('[data-panel]')) panel.hidden = panel.dataset.panel !== state.tab;
  // The pipeline's records take no filters: the bar is not offered there.
  $('#filters').hidden = state.tab === 'pipeline';
}

const MAX_LISTED = 300; // members listed at once in a dropdown; the search box narrows the rest

// One dropdown per dimension: a <details> with a search box and a checkbox list, filled when
// opened (a product list can be long).
export function buildDimensionFilters() {
  const grouped = new Set(DIM_GROUPS.flatMap(([, names]) => names));
  const groups = [
    ...DIM_GROUPS,
    ['Other', dimensions.map((d) => d.name).filter((n) => !grouped.has(n))],
  ];
  const container = $('#dims');
  container.replaceChildren();
  for (const [title, names] of groups) {
    const dims = names.map((n) => dimByName.get(n)).filter(Boolean);
    if (!dims.length) continue;
    container.append(
      h(
        'div',
        { class: 'dim-group' },
        h('span', { class: 'group-title', text: title }),
        ...dims.map(dimensionDropdown),
      ),
    );
  }
}

function dimensionDropdown(dim) {
  const count = h('span', { class: 'count' });
  const search = h('input', {
    type: 'search',
    placeholder: `Search ${dim.label.toLowerCase()}…`,
    'aria-label': `Search ${dim.label}`,
  });
  const list = h('div', { class: 'dd-list', role: 'group', 'aria-label': dim.label });
  const details = h(
    'details',
    { class: 'dd', dataset: { dim: dim.name } },
    h('summary', {}, h('span', { text: dim.label }), count),
    h('div', { class: 'dd-panel' }, search, list),
  );
  // Orders per member under the other filters (null until the answer comes): members with none
  // are left out of the list unless chosen, so Adidas is not offered under Electronics.
  let counts = null;
  let countsFor = '';
  const loadCounts = async () => {
    const params = filterParams([dim.name]);
    params.set('by', dim.name);
    params.set('sort', 'name');
    const url = apiUrl('breakdown', params);
    if (url === countsFor) return;
    countsFor = url;
    counts = null;
    try {
      const answer = await apiFetch(url);
      if (countsFor !== url) return;
      counts = new Map(answer.rows.map((row) => [row[dim.name], row.orders]));
    } catch {
      counts = null; // the plain list, without counts
    }
    if (details.open) fill();
  };
  const fill = () => {
    const needle = search.value.trim().toLowerCase();
    const chosen = selected(dim.name);
    const matches = dim.members.filter(
      (m) => m.toLowerCase().includes(needle) && (!counts || counts.has(m) || chosen.has(m)),
    );
    const items = matches.slice(0, MAX_LISTED).map((member) =>
      h(
        'label',
        { class: 'dd-item' },
        h('input', {
          type: 'checkbox',
          value: member,
          checked: chosen.has(member),
          onchange: () => toggleMember(dim.name, member),
        }),
        h('span', { text: member }),
        counts
          ? h('span', {
              class: 'dd-count',
              title: 'Orders under the other filters',
              text: formatInteger(counts.get(member) ?? 0),
            })
          : null,
      ),
    );
    if (!matches.length) items.push(h('p', { class: 'empty', text: 'No match' }));
    if (matches.length > MAX_LISTED)
      items.push(
        h('p', { class: 'empty', text: `${matches.length - MAX_LISTED} more: type to narrow` }),
      );
    list.replaceChildren(...items);
  };
  details.addEventListener('toggle', () => {
    if (!details.open) return;
    for (const other of $$('details.dd[open]')) if (other !== details) other.open = false;
    fill();
    loadCounts();
    search.focus();
  });
  search.addEventListener('input', fill);
  details.refresh = () => {
    const n = state.filters[dim.name]?.length ?? 0;
    count.textContent = n ? String(n) : '';
    details.classList.toggle('active', n > 0);
    // An open list keeps its scroll position: only the ticks change.
    const chosen = selected(dim.name);
    for (const box of list.querySelectorAll('input')) box.checked = chosen.has(box.value);
    if (details.open) loadCounts();
  };
  return details;
}

// Makes every control of the filter bar show the state.
export function syncFilterBar() {
  // A date input takes only a valid date (else Chrome complains in the console); a malformed
  // one from the URL is left to the API, whose error shows in the banner.
  const valid = (day) =>
    /^\d{4}-\d\d-\d\d$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : '';
  $('#from').value = valid(state.from);
  $('#to').value = valid(state.to);
  $('#grain').value = state.grain;
  for (const button of $$('[data-preset]')) {
    const [from, to] = presetRange(button.dataset.preset);
    button.classList.toggle('active', from === state.from && to === state.to);
  }
  for (const details of $$('details.dd')) details.refresh();

  const chips = [];
  for (const [name, members] of Object.entries(state.filters)) {
    const label = dimByName.get(name)?.label ?? name;
    for (const member of members) {
      chips.push(
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            title: `Remove ${label}: ${member}`,
            onclick: () => toggleMember(name, member),
          },
          h('span', { class: 'chip-dim', text: `${label}:` }),
          h('span', { text: member }),
          h('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }),
        ),
      );
    }
  }
  $('#chips').replaceChildren(...chips);
  $('#dims-toggle').textContent = chips.length ? `Filters (${chips.length})` : 'Filters';
  $('#clear-all').hidden = chips.length === 0;
}
