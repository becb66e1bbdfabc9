// The view's state and the URL that mirrors it, with the server's meta and dimensions.
//
// The state is the tab, the time grain, the date range and the dimension filters; the URL query
// string holds it in the API's own filter grammar.

export const TABS = [
  'overview',
  'sales',
  'customers',
  'operations',
  'satisfaction',
  'growth',
  'forecast',
  'pipeline',
];
export const MEASURES = ['revenue', 'orders', 'units', 'average_order_value', 'customers'];
const GRAINS = ['day', 'week', 'month'];

export const state = {
  tab: 'overview',
  grain: 'day',
  from: '', // '' leaves that end of the range open
  to: '',
  filters: {}, // dimension name → selected members
  measure: 'revenue', // of the growth table and the charts that take one
  growthBy: 'category', // the growth table's dimension
  growthSort: 'value', // the growth table's column sorted on: value, change, change_year, name
  forecastBy: 'category', // the Forecast tab's series: total, category, country, country,category
  forecastMeasure: 'revenue', // revenue, units or orders
  forecastHorizon: 28, // days ahead
  forecastSeries: '', // the series charted ('' : the first)
};
const FORECAST_BY = ['total', 'category', 'country', 'country,category'];
const FORECAST_HORIZONS = [7, 14, 28, 56];

export let meta = null; // the last /api/v1/meta answer
export let dimensions = []; // [{name, label, members}] from /api/v1/dimensions
export const dimByName = new Map();

export function setMeta(answer) {
  meta = answer;
}

export function setDimensions(list) {
  dimensions = list;
  dimByName.clear();
  for (const dim of dimensions) dimByName.set(dim.name, dim);
}

// Dates are plain YYYY-MM-DD strings; arithmetic in UTC so no time zone shifts a day.
function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function presetRange(preset) {
  if (preset === 'all' || !meta?.last_date) return ['', ''];
  return [addDays(meta.last_date, 1 - Number(preset)), meta.last_date];
}

// Reads the state from the URL. Without `from` and `to` the range is the last 90 days; the
// URL then gets those dates (replaceState) so that it always holds the whole view.
export function readUrl() {
  const query = new URLSearchParams(location.search);
  state.tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'overview';
  state.grain = GRAINS.includes(query.get('grain')) ? query.get('grain') : 'day';
  state.measure = MEASURES.includes(query.get('measure')) ? query.get('measure') : 'revenue';
  state.growthBy = dimByName.has(query.get('growth_by')) ? query.get('growth_by') : 'category';
  state.growthSort = ['value', 'change', 'change_year', 'name'].includes(query.get('growth_sort'))
    ? query.get('growth_sort')
    : 'value';
  state.forecastBy = FORECAST_BY.includes(query.get('forecast_by')) ? query.get('forecast_by') : 'category';
  state.forecastMeasure = ['revenue', 'units', 'orders'].includes(query.get('forecast_measure'))
    ? query.get('forecast_measure')
    : 'revenue';
  state.forecastHorizon = FORECAST_HORIZONS.includes(Number(query.get('forecast_horizon')))
    ? Number(query.get('forecast_horizon'))
    : 28;
  state.forecastSeries = query.get('forecast_series') ?? '';
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

export function stateQuery() {
  const query = new URLSearchParams({
    tab: state.tab,
    grain: state.grain,
    from: state.from,
    to: state.to,
  });
  if (state.measure !== 'revenue') query.set('measure', state.measure);
  if (state.growthBy !== 'category') query.set('growth_by', state.growthBy);
  if (state.growthSort !== 'value') query.set('growth_sort', state.growthSort);
  if (state.forecastBy !== 'category') query.set('forecast_by', state.forecastBy);
  if (state.forecastMeasure !== 'revenue') query.set('forecast_measure', state.forecastMeasure);
  if (state.forecastHorizon !== 28) query.set('forecast_horizon', String(state.forecastHorizon));
  if (state.forecastSeries) query.set('forecast_series', state.forecastSeries);
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
export function filterParams(exclude = []) {
  const params = new URLSearchParams();
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  for (const name of dimByName.keys()) {
    if (exclude.includes(name)) continue;
    for (const member of state.filters[name] ?? []) params.append(name, member);
  }
  return params;
}

export function selected(dim) {
  return new Set(state.filters[dim] ?? []);
}

let onChange = () => {};

// Sets what every change of state is followed by (the dashboard's refetch).
export function whenChanged(listener) {
  onChange = listener;
}

// Every user change goes through here: update the state, record it in history, refetch.
export function changeState(mutate) {
  mutate();
  for (const [name, members] of Object.entries(state.filters)) {
    if (!members.length) delete state.filters[name];
  }
  writeUrl('push');
  onChange();
}

export function toggleMember(dim, member) {
  changeState(() => {
    const members = state.filters[dim] ?? [];
    state.filters[dim] = members.includes(member)
      ? members.filter((m) => m !== member)
      : [...members, member];
  });
}
