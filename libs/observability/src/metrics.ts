import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per app. Every series carries an `app` label, so that the standard
 * process and Node.js metrics keep their standard names (`process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`…) and dashboards written for them work; the app's own metrics are
 * named `<app>_<what>_<unit>` (`_seconds`, `_bytes`, `_messages`, counters `_total`).
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(readonly app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `${this.app}_${name}`, help, labelNames, registers: [this.registry] });
  }

  /** `collect` runs at each scrape, for values read on demand (e.g. consumer lag from Kafka). */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge({ name: `${this.app}_${name}`, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name: `${this.app}_${name}`, help, buckets, labelNames, registers: [this.registry] });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
