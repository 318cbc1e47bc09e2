import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/** The parts of Fastify's request and reply the kit reads. */
export interface HttpRequest {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: object;
  readonly routeOptions?: { readonly url?: string };
}
export interface HttpReply {
  readonly statusCode: number;
  readonly elapsedTime: number;
  header(name: string, value: string): unknown;
}

/** `http_server_request_duration_seconds{method,route,status_code}`, route = the route pattern. */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(metrics: MetricsService) {
    this.duration = metrics.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  observe(req: HttpRequest, reply: HttpReply): void {
    // An unmatched URL must not become a label value (unbounded cardinality).
    const route = req.routeOptions?.url ?? 'unmatched';
    this.duration.observe(
      { method: req.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  }
}
