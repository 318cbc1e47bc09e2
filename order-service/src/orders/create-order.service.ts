// POST /orders: validate, price from the catalog copy, store PENDING with order.created.v1 in the
// same insert. With an Idempotency-Key the key record is written first and names the order id,
// so a retry after a crash or a concurrent duplicate converges on one order. The key is inserted
// without reading it first: a first use (the common case) costs that one write, and only a key
// found taken is read to decide replay, conflict or expired (docs/decisions/0025). The order
// takes one of the customer's open-order slots before it is stored (ORDER_MAX_OPEN_PER_USER).
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { validateCreateOrderRequest } from '../domain/create-order-request';
import {
  decideIdempotency,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_TTL_MS,
  idempotencyRecordId,
  requestFingerprint,
} from '../domain/idempotency';
import { createOrder, OrderStatus, type Order } from '../domain/order';
import {
  priceItems,
  type PricingError,
  type PricingResult,
  type RequestedItem,
} from '../domain/pricing';
import {
  type Principal,
  ProblemException,
  problemType,
  validationProblem,
} from '@eventshop/service-kit';
import { OrderMetrics } from '../metrics/order-metrics';
import { CatalogRepository } from '../persistence/catalog.repository';
import { IdempotencyKeysRepository } from '../persistence/idempotency-keys.repository';
import { OrdersRepository } from '../persistence/orders.repository';
import { OpenOrderSlots } from './open-order-slots';
import { OrderEvents } from './order-events';
import { PendingDueList } from './pending-due-list';

export interface CreateOrderResult {
  order: Order;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

@Injectable()
export class CreateOrderService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly catalog: CatalogRepository,
    private readonly keys: IdempotencyKeysRepository,
    private readonly metrics: OrderMetrics,
    private readonly events: OrderEvents,
    private readonly pending: PendingDueList,
    private readonly slots: OpenOrderSlots,
  ) {}

  async create(
    principal: Principal,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<CreateOrderResult> {
    const email = principal.email;
    if (email === undefined || email.length > 320 || !EMAIL_PATTERN.test(email)) {
      throw new ProblemException({
        type: problemType('email-required'),
        title: 'An e-mail address is required',
        status: 403,
        detail: 'the token carries no valid "email" claim, so the order cannot be confirmed to you',
      });
    }
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw validationProblem([
        { path: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' },
      ]);
    }
    const request = validateCreateOrderRequest(body);
    if (!request.ok) throw validationProblem(request.errors);
    const items = request.items;

    if (idempotencyKey === undefined) {
      return this.store(principal.userId, email, items, randomUUID());
    }
    const recordId = idempotencyRecordId(principal.userId, idempotencyKey);
    const asked = { userId: principal.userId, fingerprint: requestFingerprint(items) };
    // Priced before the key is taken, so a refused request does not hold it; a request that
    // cannot be priced may still be the replay of one that could, so the key decides first.
    const priced = await this.price(items);
    // Three rounds at most: one more after removing an expired key, one after losing a race.
    for (let round = 0; round < 3; round++) {
      const now = new Date();
      if (priced.ok) {
        const orderId = randomUUID();
        const expiresAt = new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS);
        if (await this.keys.insert(recordId, { ...asked, orderId, expiresAt }, now)) {
          return this.store(principal.userId, email, items, orderId, priced);
        }
      }
      const record = await this.keys.find(recordId);
      const decision = decideIdempotency(record, asked, now);
      if (decision.kind === 'conflict') throw idempotencyConflict();
      if (decision.kind === 'replay') {
        const existing = await this.orders.findById(decision.orderId);
        if (existing) return { order: existing.order, replayed: true };
        // The key was stored but the order was not (a crash or a concurrent request in flight):
        // create it under the id the key names; an insert race ends on the same order.
        return this.store(principal.userId, email, items, decision.orderId, priced);
      }
      if (!priced.ok) throw pricingProblem(priced.error);
      if (record !== undefined) await this.keys.deleteExpired(recordId, record);
    }
    throw idempotencyConflict();
  }

  private async price(items: RequestedItem[]): Promise<PricingResult> {
    const entries = await this.catalog.findBySkus(items.map((i) => i.sku));
    return priceItems(items, (sku) => entries.get(sku));
  }

  private async store(
    userId: string,
    email: string,
    items: RequestedItem[],
    orderId: string,
    pricedAlready?: PricingResult,
  ): Promise<CreateOrderResult> {
    const priced = pricedAlready ?? (await this.price(items));
    if (!priced.ok) throw pricingProblem(priced.error);
    const now = new Date();
    const { order, events } = createOrder({
      id: orderId,
      userId,
      email,
      currency: priced.currency,
      totalMinor: priced.totalMinor,
      lines: priced.lines,
      now,
    });
    // The request's correlation id starts the saga; every later event of the order carries it.
    const correlationId = this.events.currentCorrelationId();
    const cloudEvents = this.events.toCloudEvents(events, now);
    if (!(await this.slots.take(userId, orderId, now))) throw tooManyOpenOrders(this.slots.max);
    let result: 'inserted' | 'exists';
    try {
      result = await this.orders.insert(order, cloudEvents, correlationId);
    } catch (err) {
      await this.slots.releaseQuietly(userId, orderId);
      throw err;
    }
    if (result === 'exists') {
      const existing = await this.orders.findById(orderId);
      if (existing) {
        // A concurrent duplicate stored it first; its slot is this one, unless it is done.
        if (existing.order.status !== OrderStatus.Pending) {
          await this.slots.releaseQuietly(userId, orderId);
        }
        return { order: existing.order, replayed: true };
      }
    }
    this.pending.add(order.id, order.createdAt);
    this.metrics.entered(OrderStatus.Pending);
    return { order, replayed: false };
  }
}

function idempotencyConflict(): ProblemException {
  return new ProblemException({
    type: problemType('idempotency-key-reused'),
    title: 'Idempotency-Key already used for another request',
    status: 422,
    detail: 'this Idempotency-Key was used with a different body; use a new key for a new order',
  });
}

function tooManyOpenOrders(max: number): ProblemException {
  return new ProblemException({
    type: problemType('too-many-open-orders'),
    title: 'Too many open orders',
    status: 422,
    detail: `at most ${max} orders may be PENDING at once; place this one when an earlier order is confirmed, rejected or cancelled`,
    maxOpenOrders: max,
  });
}

function pricingProblem(error: PricingError): ProblemException {
  switch (error.code) {
    case 'unpriceable':
      return new ProblemException({
        type: problemType('unknown-or-inactive-sku'),
        title: 'Some products cannot be ordered',
        status: 422,
        detail: error.skus
          .map((s) => `${s.sku} is ${s.reason === 'unknown' ? 'unknown' : 'not for sale'}`)
          .join('; '),
        skus: error.skus,
      });
    case 'mixed_currency':
      return new ProblemException({
        type: problemType('mixed-currency'),
        title: 'An order is paid in one currency',
        status: 422,
        detail: `the products are priced in ${error.currencies.join(' and ')}; order them separately`,
        currencies: error.currencies,
      });
    case 'total_too_large':
      return new ProblemException({
        type: problemType('total-too-large'),
        title: 'The order total is too large',
        status: 422,
        detail: 'the total exceeds what can be represented exactly',
      });
  }
}
