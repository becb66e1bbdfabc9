// The Sales tab: revenue drilled down by product and by location.

import { drillWidget } from './widgets.js';

export const widgets = [
  drillWidget({
    id: 'product',
    tab: 'sales',
    levels: ['category', 'brand', 'product_type', 'product'],
    limited: ['product'],
  }),
  drillWidget({
    id: 'location',
    tab: 'sales',
    levels: ['country', 'state', 'city'],
    limited: ['city'],
  }),
];
