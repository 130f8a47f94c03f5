import type { DynoState } from '@paas/core';

/** Lines for the app's log stream, worded as Heroku's dyno manager words them, so users recognise them. */
export const messages = {
  starting: (command: string) => `Starting process with command \`${command}\``,
  stateChanged: (from: DynoState, to: DynoState) => `State changed from ${from} to ${to}`,
  exited: (status: number) => `Process exited with status ${status}`,
  sigterm: 'Stopping all processes with SIGTERM',
  sigkillAll: 'Stopping all processes with SIGKILL',
  sigkill: 'Stopping process with SIGKILL',
  bootTimeout: (ms: number) =>
    `Error R10 (Boot timeout) -> Web process failed to bind to $PORT within ${seconds(ms)} seconds of launch`,
  exitTimeout: (ms: number) =>
    `Error R12 (Exit timeout) -> At least one process failed to exit within ${seconds(ms)} seconds of SIGTERM`,
  memoryQuota: 'Error R15 (Memory quota vastly exceeded)',
  /** Daily cycling, on the dyno being replaced. */
  cycling: 'Cycling',
  /** A restart asked for through the API, on the dyno being replaced. */
  restarting: 'Restarting',
  /** A one-off dyno's process ended; it is not restarted. */
  complete: 'State changed from up to complete',
  timeToLive: (ms: number) => `Process ran longer than its time to live of ${seconds(ms)} seconds`,
} as const;

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
