#!/usr/bin/env node
'use strict';
/*
 * `npm run prebuildify`: makes prebuilds/<platform>-<arch>/randvar.<libc>.node with prebuildify
 * (Node-API, so one binary serves every Node version with Node-API 8; stripped). `npm pack`
 * ships prebuilds/, and the install step of the packed package uses the binary instead of
 * compiling (scripts/install.js).
 *
 * The prebuild is the portable CPU build: node-gyp from binding.gyp. prebuildify runs
 * `node-gyp rebuild`, which empties build/ first; to leave the developer's own build/ (perhaps
 * the cmake-js full build) alone, it builds in a copy of the build inputs under .cache/prebuild/
 * and writes only prebuilds/ here. Node's headers come from npm's `nodedir` (or the
 * installation this node runs from), so nothing is downloaded.
 *
 * --if-stale   do nothing when a prebuild for this machine exists that is newer than every
 *              native source (`npm test` runs this first, for test/package.test.ts)
 */
const fs = require('fs');
const path = require('path');
const tools = require('./native-tools');

const { root, log, fail } = tools;

function main() {
  const ifStale = process.argv.includes('--if-stale');
  const unknown = process.argv.slice(2).filter((a) => a !== '--if-stale');
  if (unknown.length) fail(`unknown option ${unknown[0]} (known: --if-stale)`);

  if (ifStale) {
    const existing = tools.findPrebuild();
    if (existing && !tools.isStale(existing)) {
      log(`${path.relative(root, existing)} is up to date`);
      return;
    }
  }

  const nodeGyp = tools.nodeGypCommand();
  if (!nodeGyp) fail('node-gyp was not found: run this through npm (npm run prebuildify)');
  const nodedir = tools.nodeDir();
  if (!nodedir) fail("Node's headers were not found: set npm's nodedir (npm config set nodedir <prefix>)");
  const prebuildifyPkg = tools.resolveFrom('prebuildify/package.json');
  if (!prebuildifyPkg) fail('prebuildify is not installed (it is a devDependency: npm install)');

  // The build inputs, copied; node_modules is found from the parent folders.
  const stage = path.join(root, '.cache', 'prebuild');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const p of ['package.json', 'binding.gyp', 'native']) {
    fs.cpSync(path.join(root, p), path.join(stage, p), { recursive: true });
  }

  // prebuildify runs $PREBUILD_NODE_GYP with arguments and no shell: give it one executable.
  let nodeGypExe = nodeGyp[0];
  if (nodeGyp.length > 1) {
    nodeGypExe = path.join(stage, 'node-gyp.sh');
    fs.writeFileSync(nodeGypExe, `#!/bin/sh\nexec ${nodeGyp.map((a) => JSON.stringify(a)).join(' ')} "$@"\n`,
      { mode: 0o755 });
  }

  const t0 = Date.now();
  const bin = path.join(path.dirname(prebuildifyPkg), 'bin.js');
  tools.run(process.execPath, [bin, '--napi', '--strip', '--tag-libc', `--out=${root}`, stage], {
    env: {
      PREBUILD_NODE_GYP: nodeGypExe,
      npm_config_nodedir: nodedir,
      JOBS: process.env.JOBS || tools.jobs(),
    },
  });
  fs.rmSync(stage, { recursive: true, force: true });

  const made = tools.findPrebuild();
  if (!made) fail('prebuildify finished, but no prebuild for this machine is in prebuilds/');
  const check = tools.loads(made);
  if (!check.ok) fail(`${path.relative(root, made)} does not load: ${check.why}`);
  log(`made ${path.relative(root, made)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main();
