// Plays systemd's part in socket activation for the e2e tests: binds the router's port once, then runs
// the router again and again with the listening socket as fd 3 (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES
// as sd_listen_fds expects), until the stop file exists. The loop blocks this process's event loop on
// purpose: like systemd, the holder never accepts a connection itself; while no router runs,
// connections wait in the socket's backlog.
// Usage: node socket-holder.mjs PORT STOP_FILE COMMAND [ARGS...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const [port, stopFile, ...command] = process.argv.slice(2);
const server = createServer();
server.listen(Number(port), '127.0.0.1', () => {
  const fd = server._handle.fd;
  const launch = 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=http exec "$@"';
  while (!existsSync(stopFile)) {
    const run = spawnSync('sh', ['-c', launch, 'sh', ...command], { stdio: ['ignore', 'inherit', 'inherit', fd] });
    process.stderr.write(`[socket-holder] router exited (status ${run.status}, signal ${run.signal})\n`);
  }
  process.exit(0);
});
