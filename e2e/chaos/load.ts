// A steady stream of orders from many customers while faults happen: orders start at a set rate
// (an open loop: a slow or failing system does not slow the clients down), times a factor during
// a burst. Every order is placed with an Idempotency-Key, and a request without a definitive
// answer (connection refused or reset, timeout, 5xx, 429 load shedding) is repeated with the
// same key until it gets one (after the server's Retry-After, when it gives one), so the client
// always learns whether its order exists. The requests go round robin over the order service's
// pods (see Shop). Some confirmed orders are then cancelled by their owner, a few right after
// creation.
import type { Item, Order, Shop } from '../src';
import { sleep } from '../src';

export interface Customer {
  readonly userId: string;
  readonly email: string;
  readonly token: string;
}

export interface Product {
  readonly sku: string;
  readonly priceMinor: number;
  readonly stock: number;
}

/** What the client knows of one order it placed. */
export interface PlacedOrder {
  readonly id: string;
  readonly customer: Customer;
  readonly items: Item[];
  /** Requests it took (1 when the first answer was 201). */
  readonly attempts: number;
  /** The customer saw it CONFIRMED (and then asked to cancel it). */
  seenConfirmed: boolean;
  /** The customer asked to cancel it: right after creation, or once seen CONFIRMED. */
  cancel?: 'early' | 'after-confirmed';
}

export interface LoadOptions {
  readonly shop: Shop;
  readonly customers: readonly Customer[];
  readonly products: readonly Product[];
  readonly runId: string;
  /** Upper bound on orders placed (requests are bounded by it and the retry deadline). */
  readonly maxOrders: number;
  /** Orders started per second outside a burst. */
  readonly ratePerSecond: number;
  /** Upper bound on orders waiting for their answer at once. */
  readonly maxInFlight: number;
  /** Share of accepted orders cancelled once CONFIRMED, and right away. */
  readonly cancelShare: number;
  readonly earlyCancelShare: number;
}

export interface LoadStats {
  /** Orders started (each with its own key). */
  started: number;
  requests: number;
  transportErrors: number;
  serverErrors: number;
  /** 429 answers: the order service shed the order while sagas were slow (decision 0038). */
  shed: number;
  retried: number;
  cancels: number;
}

/** The server's Retry-After (at most 5 s) when it sent one, else about a second; jittered. */
function retryPause(answer: { headers: Headers } | undefined): number {
  const after = Number(answer?.headers.get('retry-after'));
  const base = Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 500;
  return base + Math.random() * 500;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

export class OrderStream {
  readonly placed: PlacedOrder[] = [];
  /** Answers that were neither 201 nor retriable (none expected): status and body. */
  readonly refused: { key: string; status: number; body: string }[] = [];
  /** Keys that never got a definitive answer before the deadline. */
  readonly unanswered: string[] = [];
  readonly stats: LoadStats = {
    started: 0,
    requests: 0,
    transportErrors: 0,
    serverErrors: 0,
    shed: 0,
    retried: 0,
    cancels: 0,
  };
  private stopping = false;
  private retryDeadline = Infinity;
  private factor = 1;
  private generator: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly cancellations: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.generator = this.generate();
  }

  /** Orders accepted (201) so far. */
  get accepted(): number {
    return this.placed.length;
  }

  /** The rate times `factor` for `ms`; resolves with the orders started meanwhile. */
  async burst(factor: number, ms: number): Promise<number> {
    const before = this.stats.started;
    this.factor = factor;
    await sleep(ms);
    this.factor = 1;
    return this.stats.started - before;
  }

  /** Stops starting orders; requests in flight keep retrying until `retryForMs` from now. */
  async stop(retryForMs: number): Promise<void> {
    this.stopping = true;
    this.retryDeadline = Date.now() + retryForMs;
    await this.generator;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await Promise.all(this.cancellations);
  }

  private async generate(): Promise<void> {
    let next = Date.now();
    while (!this.stopping && this.stats.started < this.options.maxOrders) {
      // Uniformly spread gaps around the mean; a backlog (the loop was late) is not caught up.
      next += ((0.5 + Math.random()) * 1000) / (this.options.ratePerSecond * this.factor);
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
      if (this.stopping) return;
      if (this.inFlight.size >= this.options.maxInFlight) continue;
      const n = ++this.stats.started;
      const customer = pick(this.options.customers);
      const key = `chaos-${this.options.runId}-${n}`;
      const one = this.place(customer, this.randomItems(), key).then((order) => {
        if (order) this.maybeCancel(order);
      });
      this.inFlight.add(one);
      void one.finally(() => this.inFlight.delete(one));
    }
  }

  private randomItems(): Item[] {
    const lines = Math.random() < 0.7 ? 1 : 2;
    const skus = new Set<string>();
    while (skus.size < lines) skus.add(pick(this.options.products).sku);
    return [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) }));
  }

  private async place(customer: Customer, items: Item[], key: string) {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.stats.retried++;
      this.stats.requests++;
      const answer = await this.options.shop
        .placeOrder(customer.token, items, key)
        .catch(() => undefined);
      if (answer?.status === 201) {
        const body = answer.body;
        const order: PlacedOrder = {
          id: body.id,
          customer,
          items,
          attempts: attempt,
          seenConfirmed: false,
        };
        this.placed.push(order);
        return order;
      }
      if (answer === undefined) this.stats.transportErrors++;
      else if (answer.status >= 500) this.stats.serverErrors++;
      else if (answer.status === 429) this.stats.shed++;
      else {
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        this.refused.push({ key, status: answer.status, body: body.slice(0, 300) });
        return undefined;
      }
      if (Date.now() > this.retryDeadline) {
        this.unanswered.push(key);
        return undefined;
      }
      await sleep(retryPause(answer));
    }
  }

  private maybeCancel(order: PlacedOrder): void {
    const roll = Math.random();
    if (roll < this.options.earlyCancelShare) {
      this.cancellations.push(this.cancelEarly(order));
    } else if (roll < this.options.earlyCancelShare + this.options.cancelShare) {
      this.cancellations.push(this.cancelOnceConfirmed(order));
    }
  }

  private async cancelEarly(order: PlacedOrder): Promise<void> {
    order.cancel = 'early';
    await this.cancel(order);
  }

  /** Waits (bounded) for CONFIRMED, then cancels; gives up if the order ends otherwise. */
  private async cancelOnceConfirmed(order: PlacedOrder): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await sleep(300 + Math.random() * 700);
      const answer = await this.options.shop
        .getOrder(order.customer.token, order.id)
        .catch(() => undefined);
      const status: Order['status'] | undefined =
        answer?.status === 200 ? answer.body.status : undefined;
      if (status === 'REJECTED' || status === 'CANCELLED') return;
      if (status === 'CONFIRMED') {
        order.seenConfirmed = true;
        order.cancel = 'after-confirmed';
        await this.cancel(order);
        return;
      }
    }
  }

  /** POST cancel until a definitive answer (200, or 409 when it had already ended). */
  private async cancel(order: PlacedOrder): Promise<number | undefined> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      this.stats.requests++;
      const answer = await this.options.shop
        .cancelOrder(order.customer.token, order.id)
        .catch(() => undefined);
      if (answer && answer.status < 500) {
        if (answer.status === 200) this.stats.cancels++;
        return answer.status;
      }
      await sleep(500 + Math.random() * 500);
    }
    return undefined;
  }
}
