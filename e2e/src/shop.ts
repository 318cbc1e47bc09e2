// The suite's view of EventShop: the order API as a customer uses it, the inventory admin API as an
// operator uses it, and waits for the saga's outcome.
import { HttpApi, show, type Answer } from './http';
import { waitFor } from './wait';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  currency: string;
  totalMinor: number;
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
  rejection?: {
    reason: string;
    shortLines: { sku: string; requested: number; available: number }[];
  };
  cancellation?: { reason: string };
}

export interface Product {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  active: boolean;
  onHand: number;
  reserved: number;
  available: number;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export interface Item {
  sku: string;
  quantity: number;
}

/** Spreads requests over the pods of one service, one after another (round robin). */
class RoundRobin {
  private readonly apis: HttpApi[];
  private next = 0;

  constructor(urls: string | readonly string[]) {
    this.apis = (typeof urls === 'string' ? [urls] : urls).map((url) => new HttpApi(url));
    if (this.apis.length === 0) throw new Error('no URL to send requests to');
  }

  take(): HttpApi {
    const api = this.apis[this.next % this.apis.length]!;
    this.next++;
    return api;
  }
}

export class Shop {
  private readonly orderPods: RoundRobin;
  private readonly inventoryPods: RoundRobin;

  /** Each URL argument: one pod, or every pod of the service (requests go round robin). */
  constructor(
    orderUrl: string | readonly string[],
    inventoryUrl: string | readonly string[],
    private readonly adminToken: string,
  ) {
    this.orderPods = new RoundRobin(orderUrl);
    this.inventoryPods = new RoundRobin(inventoryUrl);
  }

  /** The order API of the next pod. */
  get orders(): HttpApi {
    return this.orderPods.take();
  }

  /** The inventory API of the next pod. */
  get inventory(): HttpApi {
    return this.inventoryPods.take();
  }

  placeOrder(token: string, items: Item[], idempotencyKey?: string): Promise<Answer<Order>> {
    return this.orders.post<Order>('/orders', {
      token,
      body: { items },
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
  }

  getOrder(token: string, id: string): Promise<Answer<Order>> {
    return this.orders.get<Order>(`/orders/${id}`, { token });
  }

  cancelOrder(token: string, id: string): Promise<Answer<Order>> {
    return this.orders.post<Order>(`/orders/${id}/cancel`, { token });
  }

  /** Waits until the order has left PENDING (or reached `status`); returns it. */
  async waitForOrder(token: string, id: string, status?: OrderStatus, timeoutMs = 20_000) {
    let last: Answer<Order> | undefined;
    return waitFor(
      status ? `order ${id} to be ${status}` : `order ${id} to leave PENDING`,
      async () => {
        last = await this.getOrder(token, id);
        if (last.status !== 200) return undefined;
        const reached = status ? last.body.status === status : last.body.status !== 'PENDING';
        return reached ? last.body : undefined;
      },
      timeoutMs,
      () => (last ? show(last) : 'no answer'),
    );
  }

  async putProduct(
    sku: string,
    details: Omit<Product, 'sku' | 'onHand' | 'reserved' | 'available'>,
  ) {
    const answer = await this.inventory.put<Product>(`/products/${sku}`, {
      token: this.adminToken,
      body: details,
    });
    if (answer.status !== 201 && answer.status !== 200)
      throw new Error(`PUT ${sku}: ${show(answer)}`);
    return answer.body;
  }

  async adjustStock(sku: string, delta: number, reason: string) {
    const answer = await this.inventory.post(`/products/${sku}/stock-adjustments`, {
      token: this.adminToken,
      body: { delta, reason },
    });
    if (answer.status !== 201) throw new Error(`stock adjustment ${sku}: ${show(answer)}`);
  }

  async product(sku: string): Promise<Product> {
    const answer = await this.inventory.get<Product>(`/products/${sku}`, {
      token: this.adminToken,
    });
    if (answer.status !== 200) throw new Error(`GET product ${sku}: ${show(answer)}`);
    return answer.body;
  }

  /**
   * Waits until the order service's copy of the catalog (filled by inventory.product-updated.v1)
   * knows every SKU in `skus`: an order naming them all plus `unknownSku` is refused with only
   * that one listed as unknown, and nothing is stored.
   */
  async waitForCatalog(token: string, skus: string[], unknownSku: string, timeoutMs = 30_000) {
    let last: Answer | undefined;
    await waitFor(
      'the order service to know the catalog',
      async () => {
        const answer = await this.orders.post<{ skus?: { sku: string }[] }>('/orders', {
          token,
          body: { items: [...skus, unknownSku].map((sku) => ({ sku, quantity: 1 })) },
        });
        last = answer;
        const unknown = (answer.body.skus ?? []).map((s) => s.sku);
        return answer.status === 422 && unknown.length === 1 && unknown[0] === unknownSku
          ? true
          : undefined;
      },
      timeoutMs,
      () => (last ? show(last) : 'no answer'),
    );
  }

  /** Waits until the product's stock matches `expected` (e.g. a release has come through). */
  async waitForStock(
    sku: string,
    expected: Pick<Product, 'reserved' | 'available'>,
    timeoutMs = 20_000,
  ) {
    let last: Product | undefined;
    return waitFor(
      `${sku} to have reserved ${expected.reserved}, available ${expected.available}`,
      async () => {
        last = await this.product(sku);
        return last.reserved === expected.reserved && last.available === expected.available
          ? last
          : undefined;
      },
      timeoutMs,
      () => JSON.stringify(last),
    );
  }
}
