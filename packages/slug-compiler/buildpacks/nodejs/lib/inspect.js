// Prints what bin/compile needs to know about package.json as shell assignments, in one Node start
// (npm itself takes much longer to start, and is skipped entirely when there is nothing to install).
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.join(process.argv[2], 'package.json');
let pkg;
try {
  pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`invalid=${quote(err.message.split('\n')[0])}`);
  process.exit(0);
}
if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) {
  console.log(`invalid=${quote('package.json is not a JSON object')}`);
  process.exit(0);
}
const count = (field) => (pkg[field] && typeof pkg[field] === 'object' ? Object.keys(pkg[field]).length : 0);
const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {};
const has = (name) => typeof scripts[name] === 'string' && scripts[name].trim() !== '';
const bundled = pkg.bundleDependencies || pkg.bundledDependencies;
const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare'].some(has);
const deps = count('dependencies') + count('optionalDependencies') + (Array.isArray(bundled) ? bundled.length : 0);

console.log(`invalid=''`);
console.log(`deps=${deps}`);
console.log(`dev_deps=${count('devDependencies')}`);
console.log(`install_scripts=${lifecycle ? 1 : 0}`);
console.log(`build_script=${has('heroku-postbuild') ? 'heroku-postbuild' : has('build') ? 'build' : ''}`);
console.log(`engines_node=${quote(pkg.engines && typeof pkg.engines.node === 'string' ? pkg.engines.node : '')}`);

function quote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}
