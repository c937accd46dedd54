#!/usr/bin/env node
'use strict';
/*
 * randvar's install step (package.json "install", and `npm run build:native`).
 *
 * Finds or makes the native addon, in this order:
 *   1. a prebuilt binary in prebuilds/<platform>-<arch>/ that matches this machine and loads
 *      (picked the way node-gyp-build picks it at run time): nothing is compiled;
 *   2. the full build, with cmake-js from CMakeLists.txt, when `cmake` is on PATH;
 *   3. the CPU build, with node-gyp from binding.gyp: npm's bundled node-gyp
 *      ($npm_config_node_gyp), else `node-gyp` on PATH.
 * Builds 2 and 3 write build/Release/randvar.node and compile the sources listed in
 * native/sources.txt. Neither downloads anything: cmake-js takes the Node-API headers from the
 * node-api-headers package (package.json "binary"), node-gyp takes Node's own headers from npm's
 * `nodedir` (or from the installation this node runs from).
 *
 * Options:
 *   --force       skip step 1: always build (also `npm install --build-from-source`)
 *   --backend=cmake-js|node-gyp
 *                 choose the build instead of letting PATH decide (also RANDVAR_BUILD_BACKEND)
 *   --clean       remove build/ first
 *   --cuda        require the CUDA part (cmake-js only; fails without nvcc). By default the full
 *                 build compiles it when nvcc is found; RANDVAR_CUDA=0 leaves it out.
 * Parallel jobs: JOBS (node-gyp) or CMAKE_BUILD_PARALLEL_LEVEL (cmake) when set, else one per CPU.
 */
const fs = require('fs');
const path = require('path');
const tools = require('./native-tools');

const { root, log, fail } = tools;
const buildDir = path.join(root, 'build');
const addonPath = path.join(buildDir, 'Release', 'randvar.node');

function parseArgs(argv) {
  const opts = {
    force: process.env.npm_config_build_from_source === 'true',
    backend: process.env.RANDVAR_BUILD_BACKEND || '',
    clean: false,
    cuda: false,
  };
  for (const arg of argv) {
    if (arg === '--force' || arg === '--build-from-source') opts.force = true;
    else if (arg === '--clean') opts.clean = true;
    else if (arg === '--cuda') opts.cuda = true;
    else if (arg.startsWith('--backend=')) opts.backend = arg.slice('--backend='.length);
    else fail(`unknown option ${arg} (known: --force, --clean, --cuda, --backend=cmake-js|node-gyp)`);
  }
  if (opts.backend && opts.backend !== 'cmake-js' && opts.backend !== 'node-gyp') {
    fail(`--backend must be cmake-js or node-gyp, not ${opts.backend}`);
  }
  return opts;
}

/** Which build made build/, so that switching between the two starts from an empty folder. */
function buildDirOwner() {
  if (fs.existsSync(path.join(buildDir, 'CMakeCache.txt'))) {
    // A configure step that failed half-way leaves a cache without build files: start again.
    const generated = ['build.ninja', 'Makefile'].some((f) => fs.existsSync(path.join(buildDir, f)));
    return generated ? 'cmake-js' : 'broken';
  }
  if (fs.existsSync(path.join(buildDir, 'config.gypi'))) return 'node-gyp';
  return fs.existsSync(buildDir) ? 'unknown' : null;
}

function buildWithCmakeJs(cmakeJsPkg, cuda) {
  const bin = path.join(path.dirname(cmakeJsPkg), 'bin', 'cmake-js');
  const env = { CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL || tools.jobs() };
  // `build` configures first when build/ has none, and cmake re-configures when CMakeLists.txt
  // or native/sources.txt changed; object files of unchanged sources are kept.
  const common = ['--directory', root, '--out', buildDir, '--log-level', 'warn'];
  // RANDVAR_CUDA (environment) is read by CMakeLists.txt; --cuda makes a missing nvcc an error.
  const wanted = cuda ? 'ON' : process.env.RANDVAR_CUDA ?? 'AUTO';
  common.push(`--CDRANDVAR_CUDA=${wanted}`);
  // `build` alone would keep the setting build/ was configured with (build:cuda after a
  // RANDVAR_CUDA=0 build would leave the CPU-only addon): configure again when it changes.
  const cache = path.join(buildDir, 'CMakeCache.txt');
  const cached = fs.existsSync(cache) ? /^RANDVAR_CUDA:[A-Z]+=(.*)$/m.exec(fs.readFileSync(cache, 'utf8'))?.[1] : undefined;
  if (cached !== undefined && cached !== wanted) {
    log(`build/ was configured with RANDVAR_CUDA=${cached}; configuring again with ${wanted}`);
    tools.run(process.execPath, [bin, 'configure', ...common], { env });
  }
  tools.run(process.execPath, [bin, 'build', ...common], { env });
}

function buildWithNodeGyp() {
  const cmd = tools.nodeGypCommand();
  if (!cmd) {
    fail('no prebuilt binary matches this machine, cmake is not on PATH, and node-gyp was not found: ' +
      'run this through npm (npm install, npm run build:native), or put cmake or node-gyp on PATH');
  }
  // configure + build (not rebuild): make recompiles only what changed.
  const args = [...cmd.slice(1), 'configure', 'build', `--jobs=${process.env.JOBS || tools.jobs()}`];
  const nodedir = tools.nodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  tools.run(cmd[0], args);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));

  if (!opts.force) {
    const prebuild = tools.findPrebuild();
    if (prebuild) {
      const check = tools.isStale(prebuild) ? { ok: false, why: 'older than the native sources' } : tools.loads(prebuild);
      if (check.ok) {
        log(`using the prebuilt binary ${path.relative(root, prebuild)}; nothing to compile`);
        return;
      }
      log(`not using ${path.relative(root, prebuild)} (${check.why}); building from source`);
    }
  }

  const cmakeJs = tools.resolveFrom('cmake-js/package.json');
  const backend = opts.backend || (tools.onPath('cmake') && cmakeJs ? 'cmake-js' : 'node-gyp');
  if (opts.cuda && backend !== 'cmake-js') fail('--cuda needs the cmake-js build (cmake on PATH)');
  if (backend === 'cmake-js' && !cmakeJs) fail('--backend=cmake-js, but the cmake-js package is not installed');

  const owner = buildDirOwner();
  if (opts.clean || (owner && owner !== backend)) fs.rmSync(buildDir, { recursive: true, force: true });

  const t0 = Date.now();
  if (backend === 'cmake-js') {
    log('building with cmake-js from CMakeLists.txt (the full build)');
    buildWithCmakeJs(cmakeJs, opts.cuda);
  } else {
    log('building with node-gyp from binding.gyp (the CPU build)');
    buildWithNodeGyp();
  }

  if (!fs.existsSync(addonPath)) fail(`the build finished, but ${path.relative(root, addonPath)} is missing`);
  const check = tools.loads(addonPath);
  if (!check.ok) fail(`built ${path.relative(root, addonPath)}, but it does not load: ${check.why}`);
  log(`built ${path.relative(root, addonPath)} with ${backend} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main();
