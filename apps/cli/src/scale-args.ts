import { PaasError, type Formation, type FormationUpdate } from '@paas/core';

const CHANGE = /^([A-Za-z0-9_-]{1,30})(=|\+|-)(\d{1,5})(?::([A-Za-z0-9_-]{1,50}))?$/;

/**
 * `web=3`, `worker+1`, `web-1`, `web=2:standard-2x` into formation updates. Relative changes are applied
 * to `current`; a result below zero is an error.
 */
export function parseScaleArgs(args: readonly string[], current: readonly Formation[]): FormationUpdate[] {
  const updates = new Map<string, FormationUpdate>();
  for (const arg of args) {
    const m = CHANGE.exec(arg);
    if (!m) throw new PaasError('invalid_params', `Cannot read ${JSON.stringify(arg)}: use TYPE=N, TYPE+N, TYPE-N or TYPE=N:SIZE (e.g. web=2:standard-2x)`);
    const [, type, op, digits, size] = m as unknown as [string, string, string, string, string | undefined];
    if (updates.has(type)) throw new PaasError('invalid_params', `${type} is given twice`);
    const n = Number(digits);
    let quantity = n;
    if (op !== '=') {
      const now = current.find((f) => f.type === type)?.quantity ?? 0;
      quantity = op === '+' ? now + n : now - n;
      if (quantity < 0) throw new PaasError('invalid_params', `${type} has ${now} dynos; it cannot go down by ${n}`);
    }
    updates.set(type, { type, quantity, ...(size ? { size } : {}) });
  }
  return [...updates.values()];
}

/** `web=standard-2x` into size-only updates, for `ps:resize`. */
export function parseResizeArgs(args: readonly string[]): FormationUpdate[] {
  return args.map((arg) => {
    const m = /^([A-Za-z0-9_-]{1,30})=([A-Za-z0-9_-]{1,50})$/.exec(arg);
    if (!m) throw new PaasError('invalid_params', `Cannot read ${JSON.stringify(arg)}: use TYPE=SIZE (e.g. web=standard-2x)`);
    return { type: m[1]!, size: m[2]! };
  });
}

/** `web at 3:Standard-2x, worker at 1:Basic`, as Heroku words it. */
export function describeFormation(formation: readonly Formation[]): string {
  const running = formation.filter((f) => f.quantity > 0);
  if (running.length === 0) return 'no dynos';
  return running.map((f) => `${f.type} at ${f.quantity}:${capitalize(f.size)}`).join(', ');
}

function capitalize(size: string): string {
  return size.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()).replace(/x$/, 'X');
}
