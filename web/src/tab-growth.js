// The Growth tab: one dimension's members with a measure, its change against the previous period
// and against the same dates a year before, and a sparkline; sorted on any column.

import { $, h } from './dom.js';
import { describeChange, formatDecimal, formatInteger, formatMoney, percentFormat } from './format.js';
import { changeState, dimByName, dimensions, filterParams, state } from './state.js';

const MEASURE_LABELS = {
  revenue: ['Revenue', formatMoney],
  orders: ['Orders', formatInteger],
  units: ['Units', formatInteger],
  average_order_value: ['Average order value', formatMoney],
  customers: ['Customers', formatInteger],
};

const LIMIT = 200; // rows shown; the CSV holds them all

const SVG = 'http://www.w3.org/2000/svg';

// A small line of the measure per period, drawn in SVG (no chart instance per row).
function sparkline(values, label) {
  const width = 96;
  const height = 24;
  const numbers = values.map((v) => v ?? 0);
  const max = Math.max(...numbers, 0);
  const min = Math.min(...numbers, 0);
  const x = (i) => (numbers.length < 2 ? width / 2 : (i * (width - 2)) / (numbers.length - 1) + 1);
  const y = (v) => (max === min ? height / 2 : height - 2 - ((v - min) * (height - 4)) / (max - min));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.classList.add('spark');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', numbers.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '));
  svg.append(line);
  return svg;
}

function changeCell(change, available, title) {
  if (!available) {
    return h('td', { class: 'num change none', text: 'n/a', title });
  }
  const described = describeChange(change);
  if (!described) return h('td', { class: 'num change none', text: '—' });
  return h('td', {
    class: `num change ${described.direction}`,
    text: described.text,
  });
}

export function fillGrowthControls() {
  const select = $('#growth-by');
  const current = state.growthBy;
  select.replaceChildren(
    ...dimensions.map((d) => h('option', { value: d.name, text: d.label, selected: d.name === current })),
  );
  select.value = current;
  $('#growth-measure').value = state.measure;
}

export function bindGrowthControls() {
  $('#growth-by').addEventListener('change', (e) =>
    changeState(() => (state.growthBy = e.target.value)),
  );
  $('#growth-measure').addEventListener('change', (e) =>
    changeState(() => (state.measure = e.target.value)),
  );
}

const growthWidget = {
  id: 'growth',
  tab: 'growth',
  request() {
    const params = filterParams();
    params.set('by', state.growthBy);
    params.set('measure', state.measure);
    params.set('sort', state.growthSort);
    params.set('limit', String(LIMIT));
    return ['growth', params];
  },
  csvRequest() {
    const [endpoint, params] = this.request();
    params.delete('limit');
    return [endpoint, params];
  },
  render(data) {
    fillGrowthControls();
    const dim = data.by;
    const dimLabel = dimByName.get(dim)?.label ?? dim;
    const [measureLabel, format] = MEASURE_LABELS[data.measure] ?? ['Value', formatDecimal];
    $('#growth-title').textContent = `${measureLabel} by ${dimLabel.toLowerCase()}: growth`;
    const container = $('[data-table="growth"]');
    if (!data.period) {
      $('#growth-note').textContent = '';
      container.replaceChildren(h('p', { class: 'empty', text: 'No dated sales.' }));
      return;
    }
    const { period, previous, year_ago: yearAgo } = data;
    const previousOk = previous.coverage >= 1;
    const yearOk = yearAgo.coverage >= 1;
    const covered = (p) => `the data covers ${percentFormat.format(p.coverage)} of ${p.from} – ${p.to}`;
    $('#growth-note').textContent =
      `${period.from} – ${period.to} against the previous period (${previous.from} – ${previous.to})` +
      ` and a year before (${yearAgo.from} – ${yearAgo.to}).` +
      (previousOk ? '' : ' Previous period incomplete: n/a.') +
      (yearOk ? '' : ' Year before incomplete: n/a.') +
      (data.total_rows > data.rows.length ? ` The first ${data.rows.length} of ${data.total_rows} shown.` : '');
    const sortButton = (key, text) => {
      const active = state.growthSort === key;
      return h(
        'th',
        { scope: 'col', 'aria-sort': active ? (key === 'name' ? 'ascending' : 'descending') : null },
        h('button', {
          type: 'button',
          class: `sort${active ? ' active' : ''}`,
          dataset: { sort: key },
          text: `${text}${active ? (key === 'name' ? ' ▲' : ' ▼') : ''}`,
          onclick: () => changeState(() => (state.growthSort = key)),
        }),
      );
    };
    const rows = data.rows.map((row) =>
      h(
        'tr',
        { dataset: { member: row[dim] } },
        h('th', { scope: 'row', text: row[dim] }),
        h('td', { class: 'num', dataset: { value: String(row.value ?? '') }, text: format(row.value) }),
        changeCell(row.change, previousOk, covered(previous)),
        changeCell(row.change_year, yearOk, covered(yearAgo)),
        h(
          'td',
          {},
          sparkline(
            row.series,
            `${measureLabel} of ${row[dim]} per ${data.series_grain}, ${data.series_periods[0] ?? ''} onwards`,
          ),
        ),
      ),
    );
    container.replaceChildren(
      h(
        'table',
        { class: 'growth' },
        h('caption', { class: 'visually-hidden', text: $('#growth-title').textContent }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            sortButton('name', dimLabel),
            sortButton('value', measureLabel),
            sortButton('change', 'vs previous period'),
            sortButton('change_year', 'vs a year before'),
            h('th', { scope: 'col', text: `Per ${data.series_grain}` }),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  },
};

export const widgets = [growthWidget];
