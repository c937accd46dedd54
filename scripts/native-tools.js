'use strict';
/*
 * Helpers shared by scripts/install.js and scripts/prebuildify.js: finding node-gyp, Node's local
 * headers, the number of build jobs, and whether a native binary loads.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function log(msg) {
  console.log(`randvar: ${msg}`);
}

function fail(msg) {
  console.error(`randvar: ${msg}`);
  process.exit(1);
}

/** The number of parallel compile jobs: one per CPU. */
function jobs() {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return String(Math.max(1, n));
}

/** The full path of an executable on PATH, or null. */
function onPath(cmd) {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, cmd + ext);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Resolves a module from the package root, or null. */
function resolveFrom(request) {
  try {
    return require.resolve(request, { paths: [root] });
  } catch {
    return null;
  }
}

/**
 * node-gyp as [executable, ...leading args]: npm's bundled copy ($npm_config_node_gyp, set when
 * npm runs a script), else `node-gyp` on PATH, else npm's copy beside this node binary; or null.
 */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) {
    return /\.js$/.test(fromNpm) ? [process.execPath, fromNpm] : [fromNpm];
  }
  const found = onPath('node-gyp');
  if (found) return [found];
  const besideNode = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules',
    'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(besideNode)) return [process.execPath, besideNode];
  return null;
}

/**
 * The folder holding Node's own headers (include/node/common.gypi) for node-gyp's --nodedir:
 * npm's `nodedir` setting when npm passed it, else the installation this node runs from; null
 * when neither has them (node-gyp then downloads the headers, which needs the network).
 */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? prefix : null;
}

/** Loads a .node file in a child process, so that a bad binary cannot take this process down. */
function loads(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
    encoding: 'utf8',
    timeout: 60000,
  });
  if (r.status === 0) return { ok: true };
  const why = (r.stderr || '').split('\n').find((l) => /Error/.test(l)) || `exit ${r.status ?? r.signal}`;
  return { ok: false, why: why.trim() };
}

/** The newest modification time among the inputs of a native build. */
function newestSourceMtime() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of ['native', 'binding.gyp', 'CMakeLists.txt']) visit(path.join(root, p));
  return newest;
}

/**
 * Whether this is a source checkout (it has lib/, which the published package leaves out), where
 * a prebuild may have been made from older sources.
 */
function isSourceCheckout() {
  return fs.existsSync(path.join(root, 'lib'));
}

/** The prebuilt binary node-gyp-build would load on this machine, ignoring build/; or null. */
function findPrebuild() {
  const saved = process.env.PREBUILDS_ONLY;
  process.env.PREBUILDS_ONLY = '1';
  try {
    const pkg = resolveFrom('node-gyp-build/package.json');
    if (!pkg) return null;
    // node-gyp-build reads PREBUILDS_ONLY when its module loads: load a fresh copy.
    const file = path.join(path.dirname(pkg), 'node-gyp-build.js');
    delete require.cache[file];
    const found = require(file).resolve(root);
    delete require.cache[file];
    return found;
  } catch {
    return null;
  } finally {
    if (saved === undefined) delete process.env.PREBUILDS_ONLY;
    else process.env.PREBUILDS_ONLY = saved;
  }
}

/** A prebuild older than the native sources of this checkout (never true in an installed package). */
function isStale(file) {
  return isSourceCheckout() && fs.statSync(file).mtimeMs < newestSourceMtime();
}

/** Runs a command in the package root with inherited output; exits on failure. */
function run(cmd, args, { env = {}, cwd = root } = {}) {
  log(`${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: 'inherit',
    shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(cmd),
  });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${path.basename(cmd)} failed (exit ${r.status ?? r.signal})`);
}

module.exports = {
  root, log, fail, jobs, onPath, resolveFrom, nodeGypCommand, nodeDir, loads, newestSourceMtime,
  isSourceCheckout, findPrebuild, isStale, run,
};
