// The light and dark themes: the system's setting unless the user chose one with the switch
// (kept in localStorage). Charts are drawn again in the theme's colours (whenThemeChanges).

import { $ } from './dom.js';

const KEY = 'till.theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function chosen() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let redraw = () => {};

// What follows a change of theme (the dashboard's re-render).
export function whenThemeChanges(listener) {
  redraw = listener;
}

export function applyTheme() {
  const dark = (chosen() ?? (systemDark.matches ? 'dark' : 'light')) === 'dark';
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  const button = $('#theme');
  button.setAttribute('aria-pressed', String(dark));
}

export function bindThemeSwitch() {
  $('#theme').addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    try {
      localStorage.setItem(KEY, dark ? 'light' : 'dark');
    } catch {
      // Storage refused: the switch holds for this page only.
      document.documentElement.dataset.theme = dark ? 'light' : 'dark';
    }
    applyTheme();
    redraw();
  });
  systemDark.addEventListener('change', () => {
    applyTheme();
    redraw();
  });
}
