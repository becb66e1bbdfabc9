// Number formats (en-US); a missing value shows as a dash, or as nothing on an axis.

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

export const formatInteger = (v) => (v == null ? '—' : numberFormat.format(v));
export const formatDecimal = (v) => (v == null ? '—' : decimalFormat.format(v));
export const formatCompact = (v) => (v == null ? '' : compactFormat.format(v));
