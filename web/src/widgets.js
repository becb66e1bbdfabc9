// Widgets shared by tabs: a breakdown of one dimension, and a drill-down through a hierarchy.
//
// A widget has: id, tab, request() → [endpoint, URLSearchParams], render(data); charts also
// `chart: true` and optionally click(event). csvRequest() overrides the CSV's request.

import {
  barOption,
  breakdownColumns,
  chartOf,
  isNarrow,
  pieOption,
  renderDataTable,
  sortMembers,
} from './charts.js';
import { $, $$, h } from './dom.js';
import { formatInteger } from './format.js';
import { changeState, dimByName, filterParams, state, toggleMember } from './state.js';

// A breakdown of one dimension, cross-filtering on that dimension.
export function breakdownWidget({ id, tab, dim, measure, type = 'bar', sort, max }) {
  return {
    id,
    tab,
    chart: true,
    request() {
      const params = filterParams([dim]);
      params.set('by', dim);
      if (sort) params.set('sort', sort);
      return ['breakdown', params];
    },
    render(data) {
      const rows = sortMembers(data.rows, dim);
      const option =
        type === 'pie'
          ? pieOption(rows, dim, measure, isNarrow(chartOf(this)))
          : barOption(rows, dim, measure, { max });
      chartOf(this).setOption(option, true);
      renderDataTable(this, breakdownColumns(dim, dimByName.get(dim)?.label ?? dim), rows, (row) =>
        toggleMember(dim, row[dim]),
      );
    },
    click(event) {
      if (event.data?.row) toggleMember(dim, event.data.row[dim]);
    },
  };
}

const MEASURE_TITLES = {
  revenue: 'Revenue',
  orders: 'Orders',
  units: 'Units',
  average_order_value: 'Average order value',
  customers: 'Customers',
};

// A drill-down through a hierarchy of dimensions. The level shown is the one below the
// deepest level with a filter; clicking a bar filters on it and so shows the next level. At
// the last level a click toggles the member like any cross-filter.
export function drillWidget({ id, tab, levels, limited }) {
  const level = () => {
    let deepest = -1;
    levels.forEach((dim, i) => {
      if (state.filters[dim]?.length) deepest = i;
    });
    return Math.min(deepest + 1, levels.length - 1);
  };
  return {
    id,
    tab,
    chart: true,
    request() {
      const dim = levels[level()];
      const params = filterParams([dim]);
      params.set('by', dim);
      // Average order value is no sort of the API: its top members are those of revenue.
      if (state.measure !== 'average_order_value') params.set('sort', state.measure);
      if (limited.includes(dim)) params.set('limit', '25');
      return ['breakdown', params];
    },
    render(data) {
      const dim = levels[level()];
      const measure = state.measure;
      renderCrumbs(id, levels, level());
      for (const select of $$(`[data-measure-of="${id}"]`)) select.value = measure;
      const title = $(`[data-title-of="${id}"]`);
      if (title) title.textContent = `${MEASURE_TITLES[measure]} by ${title.dataset.titleOf}`;
      let rows = data.rows
        .filter((row) => dim in row)
        .map((row) => ({
          ...row,
          average_order_value: row.orders ? row.revenue / row.orders : null,
        }));
      if (measure === 'average_order_value') {
        rows = rows.sort((a, b) => b.average_order_value - a.average_order_value);
      }
      const option = barOption(rows, dim, measure, { horizontal: true });
      if (data.total_rows > rows.length) {
        option.title = {
          text: `Top ${rows.length} of ${formatInteger(data.total_rows)}`,
          right: 8,
          top: 0,
          textStyle: { fontSize: 12, fontWeight: 'normal' },
        };
        option.grid.top = 28;
      }
      chartOf(this).setOption(option, true);
      renderDataTable(this, breakdownColumns(dim, dimByName.get(dim)?.label ?? dim), rows, (row) =>
        this.pick(row[dim]),
      );
    },
    // Drills into `member` (or toggles it at the last level), from a bar or the data table.
    pick(member) {
      const i = level();
      const dim = levels[i];
      if (member == null) return;
      if (i < levels.length - 1) changeState(() => (state.filters[dim] = [member]));
      else toggleMember(dim, member);
    },
    click(event) {
      this.pick(event.data?.row?.[levels[level()]]);
    },
  };
}

// Breadcrumbs of a drill-down: "All categories › Books › Nike › Product type". A crumb
// removes the filters of every level below it.
function renderCrumbs(id, levels, current) {
  const nav = $(`[data-crumbs="${id}"]`);
  const labelOf = (dim) => dimByName.get(dim)?.label ?? dim;
  const up = (depth) =>
    changeState(() => {
      levels.slice(depth + 1).forEach((dim) => delete state.filters[dim]);
    });
  const items = [
    h('button', { type: 'button', class: 'crumb', text: 'All', onclick: () => up(-1) }),
  ];
  levels.forEach((dim, depth) => {
    const members = state.filters[dim];
    if (depth >= current || !members?.length) return;
    const text = members.length === 1 ? members[0] : `${members[0]} +${members.length - 1}`;
    items.push(h('span', { class: 'sep', 'aria-hidden': 'true', text: '›' }));
    items.push(
      h('button', {
        type: 'button',
        class: 'crumb',
        text,
        title: `${labelOf(dim)}: ${members.join(', ')}`,
        onclick: () => up(depth),
      }),
    );
  });
  items.push(h('span', { class: 'sep', 'aria-hidden': 'true', text: '›' }));
  items.push(h('span', { class: 'crumb current', text: labelOf(levels[current]) }));
  nav.replaceChildren(...items);
}
