'use strict';
// The static buildpack's web process: serves the app's directory (the parent of .paas/) on $PORT with
// Node's standard library only. Dotfiles (.profile.d, .paas, .git, .env...) are never served, except
// .well-known/.
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const root = fs.realpathSync(path.resolve(__dirname, '..'));
const port = Number(process.env.PORT || 5000);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.zip': 'application/zip',
};

// Strong ETags from content, computed once per file version.
const etags = new Map();

function contentType(file) {
  return TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

function sendText(req, res, status, text, headers) {
  const body = Buffer.from(text);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The file for a URL path, or undefined when it must be a 404. Never leaves `root`. */
function resolvePath(pathname) {
  const segments = pathname.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '..' || s.includes('\0') || s.includes('\\')) return undefined;
    if (s.startsWith('.') && s !== '.well-known') return undefined;
  }
  const file = path.join(root, ...segments);
  return file === root || file.startsWith(root + path.sep) ? file : undefined;
}

async function etagOf(file, stat) {
  const key = `${file}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  let tag = etags.get(key);
  if (!tag) {
    const hash = crypto.createHash('sha1');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
    tag = `"${hash.digest('base64url')}"`;
    etags.set(key, tag);
  }
  return tag;
}

async function sendFile(req, res, file, status) {
  // Symlinks inside the app are fine; ones leading out of it are not.
  const real = await fs.promises.realpath(file);
  if (real !== root && !real.startsWith(root + path.sep)) return false;
  const stat = await fs.promises.stat(real);
  if (!stat.isFile()) return false;
  const etag = await etagOf(real, stat);
  const headers = {
    'Content-Type': contentType(file),
    'Content-Length': stat.size,
    ETag: etag,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (status === 200 && req.headers['if-none-match'] === etag) {
    delete headers['Content-Length'];
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  fs.createReadStream(real)
    .on('error', () => res.destroy())
    .pipe(res);
  return true;
}

async function notFound(req, res) {
  const page = path.join(root, '404.html');
  if (await sendFile(req, res, page, 404).catch(() => false)) return;
  sendText(req, res, 404, 'Not Found\n');
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendText(req, res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  }
  let url;
  let pathname;
  try {
    url = new URL(req.url, 'http://localhost');
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return sendText(req, res, 400, 'Bad Request\n');
  }
  const file = resolvePath(pathname);
  if (file === undefined) return notFound(req, res);
  let stat;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return notFound(req, res);
  }
  if (stat.isDirectory()) {
    // Relative links in an index page resolve against the directory only with the trailing slash.
    if (!url.pathname.endsWith('/')) return sendText(req, res, 301, 'Moved Permanently\n', { Location: `${url.pathname}/${url.search}` });
    if (await sendFile(req, res, path.join(file, 'index.html'), 200).catch(() => false)) return;
    return notFound(req, res);
  }
  if (!(await sendFile(req, res, file, 200).catch(() => false))) return notFound(req, res);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch(() => {
    if (res.headersSent) res.destroy();
    else sendText(req, res, 500, 'Internal Server Error\n');
  });
});

server.listen(port, () => {
  console.log(`Static file server listening on port ${server.address().port}`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
