import { describe, expect, it } from 'vitest';
import { formatLine, logsRequest } from './logs.js';

const line = { seq: 7, time: '2026-11-29T18:00:00.123456+00:00', source: 'app' as const, dyno: 'web.1', message: 'listening on 5000' };
const plain = { paint: (_code: number, text: string) => text };
const ansi = { paint: (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m` };

describe('paas logs', () => {
  it("prints Heroku's line format, without colours when not on a terminal", () => {
    expect(formatLine(line, plain)).toBe('2026-11-29T18:00:00.123456+00:00 app[web.1]: listening on 5000');
  });

  it('colours the prefix by source on a terminal: app, router and the platform differ', () => {
    const app = formatLine(line, ansi);
    const router = formatLine({ ...line, source: 'paas', dyno: 'router' }, ansi);
    const platform = formatLine({ ...line, source: 'paas', dyno: 'web.1' }, ansi);
    expect(app).toContain('\u001b[36mapp[web.1]:\u001b[0m');
    expect(router).toContain('\u001b[35mpaas[router]:\u001b[0m');
    expect(platform).toContain('\u001b[33mpaas[web.1]:\u001b[0m');
    expect(app.endsWith(' listening on 5000')).toBe(true);
  });

  it('validates -n, --source and --dyno before asking the API', () => {
    expect(logsRequest({ num: '100' })).toEqual({ lines: 100 });
    expect(logsRequest({ num: '1500', source: 'paas', dyno: 'router' })).toEqual({ lines: 1500, source: 'paas', dyno: 'router' });
    expect(() => logsRequest({ num: '0' })).toThrow(/-n must be an integer from 1 to 1500/);
    expect(() => logsRequest({ num: '1501' })).toThrow(/1500/);
    expect(() => logsRequest({ num: '1.5' })).toThrow(/-n/);
    expect(() => logsRequest({ num: '10', source: 'heroku' })).toThrow(/--source must be app or paas/);
    expect(() => logsRequest({ num: '10', dyno: 'web 1' })).toThrow(/--dyno/);
  });
});
