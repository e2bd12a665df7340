/* global document */
// Building the page: elements, SVG and formatted numbers and times. Every value from the API
// reaches the page through textContent or attributes, never HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

export const fmt = (n, digits = 2) =>
  Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });
export const fmtTime = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) + 'Z' : '—');
export const fmtDateTime = (iso) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—';
