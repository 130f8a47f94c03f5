import { createInterface } from 'node:readline/promises';
import { PaasError } from '@paas/core';

/** Asks on the terminal; refuses when there is none, so scripts fail instead of hanging. */
export async function prompt(question: string, fallback?: string, options: { secret?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY) {
    if (fallback !== undefined) return fallback;
    throw new PaasError('invalid_params', `${question} is required (no terminal to ask on); pass it as an option.`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (options.secret) {
    // Echo nothing while the secret is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
    process.stderr.write(`${question}: `);
  }
  try {
    const answer = (await rl.question(options.secret ? '' : `${question}${fallback ? ` (${fallback})` : ''}: `)).trim();
    if (options.secret) process.stderr.write('\n');
    return answer || fallback || '';
  } finally {
    rl.close();
  }
}

/** All of stdin, for secrets passed by pipe (`--password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
