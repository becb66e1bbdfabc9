// The Till dashboard: every number comes from the JSON API of `till serve` (docs/api.md).
//
// The whole view is one `state` object (tab, time grain, date range, dimension filters) that
// the URL query string mirrors, using the API's own filter grammar. Each chart or table is a
// widget: a request built from the state, and a render of its answer. A change of state
// refetches the widgets of the visible tab whose request changed; the others re-render from
// what they already hold (cross-filter highlighting depends on the state, not on the answer).
//
// Everything from the data reaches the page as text (textContent, canvas text, or escaped
// tooltip HTML), never as markup.

const API = '/api/v1/';
const POLL_MS = 10_000;
const TOKEN_KEY = 'till.token';
const TABS = ['overview', 'sales', 'customers', 'operations', 'satisfaction', 'pipeline'];
const GRAINS = ['day', 'week', 'month'];

// The filter bar groups; a dimension the server adds later lands in "Other".
const DIM_GROUPS = [
  ['Product', ['category', 'brand', 'product_type', 'product']],
  ['Location', ['country', 'state', 'city']],
  ['Customer', ['segment', 'age_band', 'gender', 'income']],
  ['Order', ['payment_method', 'shipping_method', 'order_status', 'feedback', 'rating']],
];

// Members whose natural order is not alphabetical; others keep the API's order.
const MEMBER_ORDER = {
  income: ['Low', 'Medium', 'High'],
  feedback: ['Excellent', 'Good', 'Average', 'Bad'],
  age_band: ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
};

// ---------------------------------------------------------------------------------------------
// Small helpers

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// For the only HTML built from data: ECharts tooltips.
function esc(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

// Creates an element. Children that are strings become text nodes, never markup.
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

const $ = (selector) => document.querySelector(selector);
const $$ = (selector) => [...document.querySelectorAll(selector)];

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const compactFormat = new Intl.NumberFormat('en-US', {
  notation: 'compact',
  maximumFractionDigits: 1,
});
const percentFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

const formatInteger = (v) => (v == null ? '—' : numberFormat.format(v));
const formatDecimal = (v) => (v == null ? '—' : decimalFormat.format(v));
const formatCompact = (v) => (v == null ? '' : compactFormat.format(v));

// The measures every breakdown row carries, for tooltips.
const MEASURES = [
  ['revenue', 'Revenue', formatDecimal],
  ['orders', 'Orders', formatInteger],
  ['units', 'Units', formatInteger],
  ['customers', 'Customers', formatInteger],
  ['average_rating', 'Average rating', formatDecimal],
];

// Dates are plain YYYY-MM-DD strings; arithmetic in UTC so no time zone shifts a day.
function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// The API client

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

let tokenFallback = null; // the token when sessionStorage refuses it

// A `#token=…` in the address goes to sessionStorage and out of the address bar (and history).
function takeTokenFromHash() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('token');
  if (token === null) return;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (a privacy mode): the token lives for this page only.
    tokenFallback = token;
  }
  hash.delete('token');
  const rest = hash.toString();
  history.replaceState(
    history.state,
    '',
    location.pathname + location.search + (rest ? `#${rest}` : ''),
  );
}

function apiUrl(path, params) {
  const query = params ? params.toString() : '';
  return API + path + (query ? `?${query}` : '');
}

// Fetches an API URL as JSON (or a Blob). Failures become ApiErrors carrying the server's
// message; an abort is passed on as the AbortError it is.
async function apiFetch(url, { signal, as = 'json' } = {}) {
  const token = tokenFallback ?? readToken();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'cannot reach the server');
  }
  if (!response.ok) {
    let message = response.statusText || 'request failed';
    try {
      const body = await response.json();
      if (body?.error?.message) message = body.error.message;
    } catch (error) {
      if (error.name === 'AbortError') throw error;
    }
    throw new ApiError(response.status, message);
  }
  return as === 'blob' ? response.blob() : response.json();
}

// ---------------------------------------------------------------------------------------------
// State and the URL

const state = {
  tab: 'overview',
  grain: 'day',
  from: '', // '' leaves that end of the range open
  to: '',
  filters: {}, // dimension name → selected members
};

let meta = null; // the last /api/v1/meta answer
let dimensions = []; // [{name, label, members}] from /api/v1/dimensions
const dimByName = new Map();

function presetRange(preset) {
  if (preset === 'all' || !meta?.last_date) return ['', ''];
  return [addDays(meta.last_date, 1 - Number(preset)), meta.last_date];
}

// Reads the state from the URL. Without `from` and `to` the range is the last 90 days; the
// URL then gets those dates (replaceState) so that it always holds the whole view.
function readUrl() {
  const query = new URLSearchParams(location.search);
  state.tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'overview';
  state.grain = GRAINS.includes(query.get('grain')) ? query.get('grain') : 'day';
  const hasDates = query.has('from') || query.has('to');
  if (hasDates) {
    state.from = query.get('from') ?? '';
    state.to = query.get('to') ?? '';
  } else {
    [state.from, state.to] = presetRange('90');
  }
  state.filters = {};
  for (const name of dimByName.keys()) {
    const members = query.getAll(name);
    if (members.length) state.filters[name] = members;
  }
  if (!hasDates) writeUrl('replace');
}

function stateQuery() {
  const query = new URLSearchParams({
    tab: state.tab,
    grain: state.grain,
    from: state.from,
    to: state.to,
  });
  for (const name of dimByName.keys()) {
    for (const member of state.filters[name] ?? []) query.append(name, member);
  }
  return query;
}

function writeUrl(mode = 'push') {
  const search = `?${stateQuery()}`;
  if (search === location.search) return;
  const url = location.pathname + search + location.hash;
  if (mode === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

// The filter parameters of the state, leaving out the dimensions in `exclude` (a chart is
// asked without its own dimension's filter, so that it still shows every member).
function filterParams(exclude = []) {
  const params = new URLSearchParams();
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  for (const name of dimByName.keys()) {
    if (exclude.includes(name)) continue;
    for (const member of state.filters[name] ?? []) params.append(name, member);
  }
  return params;
}

function selected(dim) {
  return new Set(state.filters[dim] ?? []);
}

// Every user change goes through here: update the state, record it in history, refetch.
function changeState(mutate) {
  mutate();
  for (const [name, members] of Object.entries(state.filters)) {
    if (!members.length) delete state.filters[name];
  }
  writeUrl('push');
  update();
}

function toggleMember(dim, member) {
  changeState(() => {
    const members = state.filters[dim] ?? [];
    state.filters[dim] = members.includes(member)
      ? members.filter((m) => m !== member)
      : [...members, member];
  });
}

// ---------------------------------------------------------------------------------------------
// The error banner: one message per source, so a later success clears only its own.

const bannerMessages = new Map();

function setBanner(source, message) {
  if (message) bannerMessages.set(source, message);
  else bannerMessages.delete(source);
  const list = $('#banner-messages');
  list.replaceChildren(...[...bannerMessages.values()].map((text) => h('li', { text })));
  $('#banner').hidden = bannerMessages.size === 0;
}

function describeError(error) {
  if (error instanceof ApiError) {
    return error.status
      ? `The server answered ${error.status}: ${error.message}`
      : `The server cannot be reached (${error.message}).`;
  }
  return `Something went wrong: ${error?.message ?? error}`;
}

// ---------------------------------------------------------------------------------------------
// Charts

const charts = {}; // chart id → ECharts instance, created the first time its tab is visible

const resizeObserver = new ResizeObserver((entries) => {
  // Resize on the next frame: resizing inside the callback could trigger it again.
  requestAnimationFrame(() => {
    for (const entry of entries) {
      const chart = charts[entry.target.dataset.chart];
      if (chart && entry.target.clientWidth > 0) chart.resize();
    }
  });
});

function chartOf(widget) {
  if (!charts[widget.id]) {
    const container = $(`[data-chart="${widget.id}"]`);
    const chart = echarts.init(container);
    if (widget.click) chart.on('click', (event) => widget.click(event));
    charts[widget.id] = chart;
    resizeObserver.observe(container);
  }
  return charts[widget.id];
}

const DIMMED = 0.25;

// Opacity of a member in a chart whose dimension has these selected members.
function emphasis(member, chosen) {
  return chosen.size === 0 || chosen.has(member) ? 1 : DIMMED;
}

function rowTooltip(title, row) {
  const lines = MEASURES.filter(([key]) => key in row).map(
    ([key, label, format]) => `${esc(label)}: <b>${esc(format(row[key]))}</b>`,
  );
  return [`<b>${esc(title)}</b>`, ...lines].join('<br>');
}

// A tooltip per item (bar or slice); `formatter` must escape whatever comes from the data.
const itemTooltip = (formatter) => ({ trigger: 'item', confine: true, formatter });

const baseOption = () => ({
  animationDuration: 300,
  grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
});

function emptyOption(text = 'No data for these filters') {
  return {
    title: {
      text,
      left: 'center',
      top: 'middle',
      textStyle: { fontSize: 14, fontWeight: 'normal', color: '#6b7280' },
    },
    series: [],
  };
}

const UNKNOWN = '(unknown)'; // the member of a missing value, in every dimension

// Rows in the member order of MEMBER_ORDER, if the dimension has one, with (unknown) last.
function sortMembers(rows, dim) {
  const order = MEMBER_ORDER[dim] ?? [];
  const rank = (m) =>
    m === UNKNOWN ? order.length + 1 : order.includes(m) ? order.indexOf(m) : order.length;
  return [...rows].sort((a, b) => rank(a[dim]) - rank(b[dim])); // stable: ties keep the API's order
}

// A bar chart of breakdown rows: one bar per member of `dim`, the height `measure`.
function barOption(rows, dim, measure, { horizontal = false, max } = {}) {
  if (!rows.length) return emptyOption();
  const chosen = selected(dim);
  const names = rows.map((row) => row[dim]);
  const data = rows.map((row) => ({
    name: row[dim],
    value: row[measure],
    row,
    itemStyle: { opacity: emphasis(row[dim], chosen) },
  }));
  const categoryAxis = {
    type: 'category',
    data: names,
    inverse: horizontal, // the largest on top
    axisLabel: horizontal
      ? { width: 170, overflow: 'truncate' }
      : { interval: 0, hideOverlap: true },
  };
  const valueAxis = { type: 'value', max, axisLabel: { formatter: formatCompact } };
  return {
    ...baseOption(),
    tooltip: itemTooltip((p) => rowTooltip(p.name, p.data.row)),
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: [{ type: 'bar', data, cursor: 'pointer' }],
  };
}

function pieOption(rows, dim, measure) {
  if (!rows.length) return emptyOption();
  const chosen = selected(dim);
  return {
    ...baseOption(),
    tooltip: itemTooltip(
      (p) => `${rowTooltip(p.name, p.data.row)}<br>Share: <b>${esc(p.percent)} %</b>`,
    ),
    series: [
      {
        type: 'pie',
        radius: ['35%', '65%'],
        data: rows.map((row) => ({
          name: row[dim],
          value: row[measure],
          row,
          itemStyle: { opacity: emphasis(row[dim], chosen) },
        })),
        label: { formatter: '{b}', overflow: 'truncate', width: 110 },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Widgets. Each has: id, tab, request() → [endpoint, URLSearchParams], render(data); charts also
// `chart: true` and optionally click(event). csvRequest() overrides the CSV's request.

// A breakdown of one dimension, cross-filtering on that dimension.
function breakdownWidget({ id, tab, dim, measure, type = 'bar', sort, max }) {
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
        type === 'pie' ? pieOption(rows, dim, measure) : barOption(rows, dim, measure, { max });
      chartOf(this).setOption(option, true);
    },
    click(event) {
      if (event.data?.row) toggleMember(dim, event.data.row[dim]);
    },
  };
}

// A drill-down through a hierarchy of dimensions. The level shown is the one below the
// deepest level with a filter; clicking a bar filters on it and so shows the next level. At
// the last level a click toggles the member like any cross-filter.
function drillWidget({ id, tab, levels, limited }) {
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
      if (limited.includes(dim)) params.set('limit', '25');
      return ['breakdown', params];
    },
    render(data) {
      const dim = levels[level()];
      renderCrumbs(id, levels, level());
      const rows = data.rows.filter((row) => dim in row);
      const option = barOption(rows, dim, 'revenue', { horizontal: true });
      if (data.total_rows > rows.length) {
        option.title = {
          text: `Top ${rows.length} of ${formatInteger(data.total_rows)}`,
          right: 8,
          top: 0,
          textStyle: { fontSize: 12, fontWeight: 'normal', color: '#6b7280' },
        };
        option.grid.top = 28;
      }
      chartOf(this).setOption(option, true);
    },
    click(event) {
      const i = level();
      const dim = levels[i];
      const member = event.data?.row?.[dim];
      if (member == null) return;
      if (i < levels.length - 1) changeState(() => (state.filters[dim] = [member]));
      else toggleMember(dim, member);
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

const KPI_FORMATS = {
  revenue: formatDecimal,
  orders: formatInteger,
  units: formatInteger,
  average_order_value: formatDecimal,
  basket_size: formatDecimal,
  unique_customers: formatInteger,
  average_rating: formatDecimal,
};

const kpiWidget = {
  id: 'kpis',
  tab: 'overview',
  request: () => ['kpis', filterParams()],
  render(data) {
    const previous = data.previous ? `${data.previous.from} – ${data.previous.to}` : '';
    const cards = data.kpis.map((kpi) => {
      const format = KPI_FORMATS[kpi.name] ?? formatDecimal;
      let change;
      if (kpi.change == null) {
        change = h('span', { class: 'change none', text: 'no earlier data' });
      } else {
        const direction = kpi.change > 0 ? 'up' : kpi.change < 0 ? 'down' : 'flat';
        const arrow = { up: '▲', down: '▼', flat: '▬' }[direction];
        change = h('span', {
          class: `change ${direction}`,
          text: `${arrow} ${percentFormat.format(Math.abs(kpi.change))}`,
          title: `Previous period ${previous}: ${format(kpi.previous)}`,
        });
      }
      return h(
        'article',
        { class: 'kpi', dataset: { kpi: kpi.name } },
        h('h3', { text: kpi.label }),
        h('p', {
          class: 'value',
          dataset: { value: kpi.value == null ? '' : String(kpi.value) },
          text: format(kpi.value),
        }),
        change,
      );
    });
    $('[data-widget="kpis"]').replaceChildren(...cards);
  },
};

const timeseriesWidget = {
  id: 'timeseries',
  tab: 'overview',
  chart: true,
  request() {
    const params = filterParams();
    params.set('grain', state.grain);
    return ['timeseries', params];
  },
  render(data) {
    const points = data.points;
    if (!points.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    chartOf(this).setOption(
      {
        ...baseOption(),
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (items) => {
            const line = (p) => {
              const value = p.seriesIndex === 0 ? formatDecimal(p.value) : formatInteger(p.value);
              return `${p.marker}${esc(p.seriesName)}: <b>${esc(value)}</b>`;
            };
            return [`<b>${esc(items[0]?.axisValue)}</b>`, ...items.map(line)].join('<br>');
          },
        },
        xAxis: { type: 'category', data: points.map((p) => p.period) },
        yAxis: [
          { type: 'value', name: 'Revenue', axisLabel: { formatter: formatCompact } },
          {
            type: 'value',
            name: 'Orders',
            splitLine: { show: false },
            axisLabel: { formatter: formatCompact },
          },
        ],
        series: [
          { name: 'Revenue', type: 'bar', data: points.map((p) => p.revenue) },
          {
            name: 'Orders',
            type: 'line',
            yAxisIndex: 1,
            showSymbol: points.length < 60,
            data: points.map((p) => p.orders),
          },
        ],
      },
      true,
    );
  },
};

const newReturningWidget = {
  id: 'new_returning',
  tab: 'customers',
  chart: true,
  request: () => ['customers', filterParams()],
  render(data) {
    const groups = data.groups ?? [];
    if (!groups.some((g) => g.customers > 0)) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const label = { new: 'New', returning: 'Returning' };
    const rows = groups.map((g) => ({ ...g, group: label[g.group] ?? g.group }));
    chartOf(this).setOption(pieOption(rows, 'group', 'customers'), true);
  },
};

// Orders per feedback, stacked, per category. Clicking a bar toggles its category.
const feedbackWidget = {
  id: 'feedback',
  tab: 'satisfaction',
  chart: true,
  request() {
    const params = filterParams(['category', 'feedback']);
    params.append('by', 'category');
    params.append('by', 'feedback');
    params.set('sort', 'name');
    return ['breakdown', params];
  },
  render(data) {
    if (!data.rows.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const categories = [...new Set(sortMembers(data.rows, 'category').map((r) => r.category))];
    const feedbacks = [...new Set(sortMembers(data.rows, 'feedback').map((r) => r.feedback))];
    const cell = new Map(data.rows.map((r) => [`${r.category}\u0000${r.feedback}`, r]));
    const chosenCategories = selected('category');
    const chosenFeedback = selected('feedback');
    chartOf(this).setOption(
      {
        ...baseOption(),
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: itemTooltip((p) => rowTooltip(`${p.name} · ${p.seriesName}`, p.data.row)),
        xAxis: {
          type: 'category',
          data: categories,
          axisLabel: { interval: 0, hideOverlap: true },
        },
        yAxis: { type: 'value', name: 'Orders', axisLabel: { formatter: formatCompact } },
        series: feedbacks.map((feedback) => ({
          name: feedback,
          type: 'bar',
          stack: 'feedback',
          cursor: 'pointer',
          data: categories.map((category) => {
            const row = cell.get(`${category}\u0000${feedback}`) ?? {
              category,
              feedback,
              orders: 0,
            };
            return {
              name: category,
              value: row.orders,
              row,
              itemStyle: {
                opacity: Math.min(
                  emphasis(category, chosenCategories),
                  emphasis(feedback, chosenFeedback),
                ),
              },
            };
          }),
        })),
      },
      true,
    );
  },
  click(event) {
    if (event.data?.row) toggleMember('category', event.data.row.category);
  },
};

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
};

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
    const text =
      value == null ? '—' : numeric && !key.endsWith('_id') ? formatInteger(value) : String(value);
    const props = {
      text,
      class: numeric ? 'num' : null,
      title: key === 'uri' || key === 'error' || key === 'message' ? text : null,
    };
    if (key === 'status') props.dataset = { status: String(value) };
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

const freshnessWidget = {
  id: 'freshness',
  tab: 'pipeline',
  request: () => ['pipeline/freshness', null],
  render(data) {
    const facts = [
      ['Last load', humanAge(data.last_success_at ? data.age_seconds : null), data.last_success_at],
      ['Files loaded', formatInteger(data.files_loaded)],
      ['Files failed', formatInteger(data.files_failed)],
      ['Files skipped', formatInteger(data.files_skipped)],
      ['Rows loaded', formatInteger(data.rows_loaded)],
      ['Rows rejected', formatInteger(data.rows_rejected)],
      ['Duplicate rows', formatInteger(data.rows_duplicate)],
      ['Runs in progress', formatInteger(data.runs_running)],
    ];
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

const widgets = [
  kpiWidget,
  timeseriesWidget,
  drillWidget({
    id: 'product',
    tab: 'sales',
    levels: ['category', 'brand', 'product_type', 'product'],
    limited: ['product'],
  }),
  drillWidget({ id: 'location', tab: 'sales', levels: ['country', 'city'], limited: ['city'] }),
  breakdownWidget({
    id: 'segment',
    tab: 'customers',
    dim: 'segment',
    measure: 'revenue',
    type: 'pie',
  }),
  breakdownWidget({
    id: 'age_band',
    tab: 'customers',
    dim: 'age_band',
    measure: 'revenue',
    sort: 'name',
  }),
  breakdownWidget({
    id: 'gender',
    tab: 'customers',
    dim: 'gender',
    measure: 'revenue',
    type: 'pie',
  }),
  breakdownWidget({ id: 'income', tab: 'customers', dim: 'income', measure: 'revenue' }),
  newReturningWidget,
  breakdownWidget({
    id: 'order_status',
    tab: 'operations',
    dim: 'order_status',
    measure: 'orders',
    sort: 'orders',
  }),
  breakdownWidget({
    id: 'shipping_method',
    tab: 'operations',
    dim: 'shipping_method',
    measure: 'orders',
    type: 'pie',
    sort: 'orders',
  }),
  breakdownWidget({
    id: 'payment_method',
    tab: 'operations',
    dim: 'payment_method',
    measure: 'orders',
    sort: 'orders',
  }),
  feedbackWidget,
  breakdownWidget({
    id: 'rating_by_shipping',
    tab: 'satisfaction',
    dim: 'shipping_method',
    measure: 'average_rating',
    sort: 'average_rating',
    max: 5,
  }),
  breakdownWidget({
    id: 'rating',
    tab: 'satisfaction',
    dim: 'rating',
    measure: 'orders',
    sort: 'name',
  }),
  freshnessWidget,
  tableWidget('runs', 'pipeline/runs', 50, (d) => d.runs),
  tableWidget('files', 'pipeline/files', 100, (d) => d.files),
  tableWidget('reject_reasons', 'pipeline/rejects', 100, (d) => d.reasons, { part: 'reasons' }),
  tableWidget('recent_rejects', 'pipeline/rejects', 100, (d) => d.recent, { part: 'recent' }),
];

// ---------------------------------------------------------------------------------------------
// Loading: the visible tab's widgets, with body[data-state] telling tests (and CSS) whether
// every one of them shows its latest data.

let generation = 0; // bumps on every update(); an answer for an older one is dropped
let controller = null;

async function update() {
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

async function downloadCsv(id) {
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

// ---------------------------------------------------------------------------------------------
// The filter bar

function showTab() {
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
}

const MAX_LISTED = 300; // members listed at once in a dropdown; the search box narrows the rest

// One dropdown per dimension: a <details> with a search box and a checkbox list, filled when
// opened (a product list can be long).
function buildDimensionFilters() {
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
  const fill = () => {
    const needle = search.value.trim().toLowerCase();
    const chosen = selected(dim.name);
    const matches = dim.members.filter((m) => m.toLowerCase().includes(needle));
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
  };
  return details;
}

// Makes every control of the filter bar show the state.
function syncFilterBar() {
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
  $('#banner-close').addEventListener('click', () => {
    bannerMessages.clear();
    $('#banner').hidden = true;
  });
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

// ---------------------------------------------------------------------------------------------
// Meta, dimensions, and the poll that notices new data

function applyMeta(answer) {
  meta = answer;
  const span = meta.first_date ? `${meta.first_date} – ${meta.last_date}` : 'no dated sales';
  $('#meta-info').textContent = `${formatInteger(meta.rows)} rows · ${span}`;
  for (const input of [$('#from'), $('#to')]) {
    input.min = meta.first_date ?? '';
    input.max = meta.last_date ?? '';
  }
}

async function loadDimensions() {
  const answer = await apiFetch(apiUrl('dimensions'));
  dimensions = answer.dimensions;
  dimByName.clear();
  for (const dim of dimensions) dimByName.set(dim.name, dim);
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
  window.till = { charts, state, firstRenderMs: undefined };
  takeTokenFromHash();
  bindControls();
  poll();
}

start();
