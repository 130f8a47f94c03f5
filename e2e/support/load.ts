import { Agent } from 'node:http';
import { get } from './http.js';

export interface LoadReport {
  total: number;
  failures: { status: number; error?: string; body?: string }[];
  /** Distinct response bodies, in the order first seen, with counts. */
  bodies: Map<string, number>;
}

/**
 * Continuous requests through the router from `concurrency` keep-alive clients until `stop()`; every
 * non-2xx answer or network error is a failure. Used to prove deploys and restarts drop nothing.
 */
export function startLoad(port: number, host: string, options: { concurrency?: number; path?: string } = {}): { report: LoadReport; stop: () => Promise<LoadReport> } {
  const report: LoadReport = { total: 0, failures: [], bodies: new Map() };
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await get(port, host, options.path ?? '/', { agent, timeoutMs: 15_000 });
        report.total++;
        report.bodies.set(res.body, (report.bodies.get(res.body) ?? 0) + 1);
        if (res.status < 200 || res.status >= 300) report.failures.push({ status: res.status, body: res.body.slice(0, 200) });
      } catch (err) {
        report.total++;
        report.failures.push({ status: 0, error: (err as Error).message });
      }
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, worker);
  return {
    report,
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      return report;
    },
  };
}
