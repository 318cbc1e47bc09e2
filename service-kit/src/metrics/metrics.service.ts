import { Injectable } from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

type Config<C> = Omit<C, 'registers'>;

/**
 * The app's one metrics registry, served at `/metrics`: default Node metrics, the kit's HTTP and
 * messaging metrics, and whatever the service registers through the helpers below. One registry
 * per app (not prom-client's global one), so several apps can live in one test process.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = string>(config: Config<CounterConfiguration<L>>): Counter<L> {
    return new Counter<L>({ ...config, registers: [this.registry] });
  }

  gauge<L extends string = string>(config: Config<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge<L>({ ...config, registers: [this.registry] });
  }

  histogram<L extends string = string>(config: Config<HistogramConfiguration<L>>): Histogram<L> {
    return new Histogram<L>({ ...config, registers: [this.registry] });
  }

  /** The exposition text, as served at `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
