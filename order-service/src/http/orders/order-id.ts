import { notFoundProblem } from '@eventshop/service-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Order ids are UUIDs; anything else cannot name an order, so it is simply not found. */
export function checkOrderId(id: string): string {
  if (!UUID.test(id)) throw notFoundProblem(`order ${id.slice(0, 64)} not found`);
  return id;
}
