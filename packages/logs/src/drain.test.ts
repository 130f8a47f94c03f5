import { silentLogger } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { describe, expect, it } from 'vitest';
import { Drain, drainBackoffMs, type DrainOptions, type DrainTransport } from './drain.js';

/** A transport the test answers by hand: each delivery waits until `settle` is called. */
class ManualTransport implements DrainTransport {
  readonly deliveries: { messages: string[]; settle: (outcome: 'ok' | 'rejected' | Error) => void }[] = [];
  resets = 0;
  closed = false;
  deliver(messages: string[]): Promise<'ok' | 'rejected'> {
    return new Promise((resolve, reject) => {
      this.deliveries.push({ messages, settle: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
    });
  }
  reset(): void {
    this.resets++;
  }
  close(): void {
    this.closed = true;
  }
}

const OPTIONS: DrainOptions = { queueLines: 5, batchLines: 2, initialBackoffMs: 1000, maxBackoffMs: 8000, timeoutMs: 30_000 };
const line = (message: string) => ({ time: '2026-11-29T18:00:00.000000+00:00', source: 'app' as const, dyno: 'web.1', message });
const settled = () => new Promise((r) => setImmediate(r));

function setup(options = OPTIONS) {
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 18));
  const transport = new ManualTransport();
  const drain = new Drain('d.token', transport, options, clock, silentLogger);
  return { clock, transport, drain };
}

describe('drains', () => {
  it('doubles the backoff up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => drainBackoffMs(n, OPTIONS))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('sends batches of RFC 5424 messages, one delivery at a time, in order', async () => {
    const { transport, drain } = setup();
    drain.push(line('a'));
    drain.push(line('b'));
    drain.push(line('c'));
    // The first line goes at once; the next wait for it, then go together.
    expect(transport.deliveries).toHaveLength(1);
    expect(transport.deliveries[0]!.messages).toEqual(['<190>1 2026-11-29T18:00:00.000000+00:00 d.token app web.1 - - a']);
    transport.deliveries[0]!.settle('ok');
    await settled();
    expect(transport.deliveries[1]!.messages.map((m) => m.split(' - - ')[1])).toEqual(['b', 'c']);
  });

  it('retries a failed batch after 1 s, 2 s, 4 s on the clock, then goes on', async () => {
    const { clock, transport, drain } = setup();
    drain.push(line('a'));
    const times: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      times.push(clock.now());
      transport.deliveries.at(-1)!.settle(new Error('connection refused'));
      await settled();
      const before = transport.deliveries.length;
      clock.advance(drainBackoffMs(attempt + 1, OPTIONS) - 1);
      expect(transport.deliveries).toHaveLength(before); // not a millisecond early
      clock.advance(1);
    }
    const start = Date.UTC(2026, 10, 29, 18);
    expect(times.map((t) => t - start)).toEqual([0, 1000, 3000, 7000]);
    expect(transport.deliveries.at(-1)!.messages.map((m) => m.split(' - - ')[1])).toEqual(['a']);
    transport.deliveries.at(-1)!.settle('ok');
    await settled();
    expect(drain.queued).toBe(0);
    expect(drain.failures).toBe(4);
    drain.push(line('b'));
    expect(transport.deliveries.at(-1)!.messages.map((m) => m.split(' - - ')[1])).toEqual(['b']);
  });

  it('bounds its queue while the receiver is down, counts what it dropped, and reports it as L10 when it has room', async () => {
    const { clock, transport, drain } = setup();
    for (let i = 1; i <= 12; i++) drain.push(line(`m${i}`)); // queue of 5: m1..m5 kept, 7 dropped
    expect(drain.queued).toBe(5);
    transport.deliveries[0]!.settle('ok'); // m1 delivered, m2 and m3 on their way
    await settled();
    clock.advance(1000);
    drain.push(line('m13'));
    const sent: string[] = [];
    for (let i = 1; i < 10 && drain.queued > 0; i++) {
      sent.push(...transport.deliveries.at(-1)!.messages.map((m) => m.split(' - - ')[1]!));
      transport.deliveries.at(-1)!.settle('ok');
      await settled();
    }
    expect(sent).toEqual(['m2', 'm3', 'm4', 'm5', 'Error L10 (output buffer overflow): 7 messages dropped since 2026-11-29T18:00:00.000000+00:00.', 'm13']);
  });

  it('drops a batch the receiver refuses for good instead of retrying it forever', async () => {
    const { transport, drain } = setup();
    drain.push(line('poison'));
    transport.deliveries[0]!.settle('rejected');
    await settled();
    expect(drain.queued).toBe(0);
    expect(drain.failures).toBe(0);
  });

  it('gives up on a hanging delivery after the timeout, resets the connection and retries', async () => {
    const { clock, transport, drain } = setup({ ...OPTIONS, timeoutMs: 5000 });
    drain.push(line('a'));
    clock.advance(5000);
    await settled();
    expect(transport.resets).toBe(1);
    clock.advance(1000);
    expect(transport.deliveries).toHaveLength(2);
    drain.close();
    expect(transport.closed).toBe(true);
  });
});
