// Number formats (en-US); a missing value shows as a dash, or as nothing on an axis.
//
// Numbers never wrap inside: a space within one is a no-break space, and the CSS keeps each
// number on one line (`.num`, `.value`).

const NBSP = '\u00a0';

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const compactFormat = new Intl.NumberFormat('en-US', {
  notation: 'compact',
  maximumFractionDigits: 1,
});
export const percentFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

let currency = ''; // the symbol till.toml names (meta.currency), or none

export function setCurrency(symbol) {
  currency = symbol ?? '';
}

const withCurrency = (text) => (currency ? `${currency}${NBSP}${text}` : text);

// "121.4M" → "121.4 M": the unit apart from the figure, the way people write it.
const compact = (v) => compactFormat.format(v).replace(/([\d.])([KMBT])$/, `$1${NBSP}$2`);

export const formatInteger = (v) => (v == null ? '—' : numberFormat.format(v));
export const formatDecimal = (v) => (v == null ? '—' : decimalFormat.format(v));
export const formatCompact = (v) => (v == null ? '' : compact(v));
export const formatMoney = (v) => (v == null ? '—' : withCurrency(decimalFormat.format(v)));
// Money in a KPI: compact from a hundred thousand on (121.4 M), to the cent below.
export const formatMoneyShort = (v) =>
  v == null ? '—' : Math.abs(v) >= 1e5 ? withCurrency(compact(v)) : formatMoney(v);
// A count in a KPI: compact from a million on.
export const formatIntegerShort = (v) =>
  v == null ? '—' : Math.abs(v) >= 1e6 ? compact(v) : formatInteger(v);
export const formatPercent = (v) => (v == null ? '—' : percentFormat.format(v));

// A relative change as people read it: its direction, with a change that rounds to 0.0 %
// shown flat (never as a red arrow).
export function describeChange(change) {
  if (change == null) return null;
  const text = percentFormat.format(Math.abs(change));
  if (text === percentFormat.format(0)) return { direction: 'flat', arrow: '▬', text };
  return change > 0
    ? { direction: 'up', arrow: '▲', text: `+${text}` }
    : { direction: 'down', arrow: '▼', text: `−${text}` };
}

// "2023-03-01" at a grain: "Mar 2023" for a month, "Wk of 2023-03-06" for a week, the date itself
// for a day.
const monthFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
export function formatPeriod(period, grain) {
  if (grain === 'month') return monthFormat.format(new Date(`${period}T00:00:00Z`));
  if (grain === 'week') return `Wk of ${period}`;
  return period;
}

// An ISO 8601 timestamp from the pipeline records as local date and time, to the second.
export function formatTimestamp(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
