// The Operations tab: orders by status, shipping method and payment method.

import { breakdownWidget } from './widgets.js';

export const widgets = [
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
];
