#!/usr/bin/env node
// Seeds the demo catalog and stock through inventory's admin API (what an operator would do).
// Idempotent: PUT leaves an unchanged product unchanged, and stock is only topped up to the
// demo level, so a second run changes nothing.
//   node scripts/seed-demo.mjs [inventory base URL, default http://127.0.0.1:3001]
import { devToken } from './dev-token.mjs';

export const DEMO_PRODUCTS = [
  { sku: 'TSHIRT-BLUE-M', name: 'T-shirt, blue, M', priceMinor: 1990, stock: 100 },
  { sku: 'MUG-BLACK', name: 'Mug, black', priceMinor: 1250, stock: 50 },
  { sku: 'SOCKS-STRIPED', name: 'Socks, striped, pair', priceMinor: 790, stock: 200 },
  { sku: 'POSTER-LIMITED', name: 'Poster, limited edition', priceMinor: 4900, stock: 3 },
];

const base = (process.argv[2] ?? 'http://127.0.0.1:3001').replace(/\/$/, '');
const token = devToken({ user: 'demo-seed', roles: ['admin'], ttl: '5m' });

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return { status: res.status, body: JSON.parse(text) };
}

for (const p of DEMO_PRODUCTS) {
  const put = await call('PUT', `/products/${p.sku}`, {
    name: p.name,
    priceMinor: p.priceMinor,
    currency: 'EUR',
    active: true,
  });
  const onHand = put.body.onHand;
  let note = put.status === 201 ? 'created' : 'up to date';
  if (onHand < p.stock) {
    await call('POST', `/products/${p.sku}/stock-adjustments`, {
      delta: p.stock - onHand,
      reason: 'demo stock (make up)',
    });
    note += `, stocked to ${p.stock}`;
  }
  const price = `${(p.priceMinor / 100).toFixed(2)} EUR`;
  console.log(`    ${p.sku.padEnd(16)} ${price.padStart(10)}  ${note}`);
}
