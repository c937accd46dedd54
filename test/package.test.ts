/**
 * The published package, end to end: `npm pack`, install the tarball into an empty folder with the
 * network unused, and use it there from a plain .mjs file and a .cjs file, compiling nothing.
 *
 * - The tarball must carry a prebuilt binary for this machine. before() runs
 *   `node scripts/prebuildify.js --if-stale`, which makes one (prebuildify, from binding.gyp) only
 *   when prebuilds/ has none newer than the native sources; so `npm test` alone is enough, on a
 *   fresh clone too (the first run spends a native build on it).
 * - `npm pack` runs `prepare`, so dist/ in the tarball is compiled from the current lib/.
 * - The runtime dependencies (node-gyp-build, node-addon-api, cmake-js for source builds) come from the npm cache, where the
 *   project's own `npm install` put them. npm resolving a version range offline needs the registry's
 *   metadata, which an install from a lockfile never caches; so the folder also gets a lockfile that
 *   pins the versions of the project's package-lock.json, whose tarballs the cache does hold.
 */
import { strict as assert } from 'assert';
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

/** The environment for child npm processes, without what `npm test` set for this project. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return env;
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const cli = process.env.npm_execpath;
  const [cmd, pre] = cli && /\.c?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
  return spawnSync(cmd, [...pre, ...args], { cwd, env: childEnv(), encoding: 'utf8', timeout: 5 * 60_000 });
}

function check(r: SpawnSyncReturns<string>, what: string): string {
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) throw new Error(`${what}: ${r.error.message}\n${out}`);
  assert.equal(r.status, 0, `${what} exited ${r.status ?? r.signal}:\n${out}`);
  return out;
}

describe('package: npm pack, offline install, import from .mjs and .cjs', function () {
  this.timeout(10 * 60_000);

  let dir = '';
  let installLog = '';
  const installed = () => path.join(dir, 'node_modules', 'randvar');

  before(function () {
    check(spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuildify.js'), '--if-stale'],
      { cwd: root, env: childEnv(), encoding: 'utf8' }), 'scripts/prebuildify.js --if-stale');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'randvar-pack-'));
    // `npm pack` runs `prepare` (tsc, then the ESM wrapper), whose output comes before the JSON.
    const packOut = npm(['pack', '--json', '--pack-destination', dir], root);
    check(packOut, 'npm pack');
    const packed = JSON.parse(packOut.stdout.slice(packOut.stdout.search(/^\[/m)));
    const tgz: string = packed[0].filename;
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    assert.ok(files.some((f) => f.startsWith(`prebuilds/${process.platform}-${process.arch}/`)),
      `the tarball has no prebuild for ${process.platform}-${process.arch}`);
    assert.ok(files.includes('dist/index.js') && files.includes('dist/index.mjs') && files.includes('dist/index.d.ts'),
      'the tarball lacks dist/');

    // A project that depends on the tarball, with a lockfile pinning the project's runtime versions.
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const spec = `file:${tgz}`;
    const integrity = 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(path.join(dir, tgz))).digest('base64');
    const packages: Record<string, unknown> = {
      '': { name: 'randvar-consumer', dependencies: { randvar: spec } },
      'node_modules/randvar': {
        version: pkg.version, resolved: spec, integrity, hasInstallScript: true, license: pkg.license,
        dependencies: pkg.dependencies, peerDependencies: pkg.peerDependencies,
        peerDependenciesMeta: pkg.peerDependenciesMeta, engines: pkg.engines,
      },
    };
    for (const [key, entry] of Object.entries<{ dev?: boolean; devOptional?: boolean }>(lock.packages)) {
      if (key && !entry.dev && !entry.devOptional) packages[key] = entry;
    }
    fs.writeFileSync(path.join(dir, 'package.json'),
      JSON.stringify({ name: 'randvar-consumer', private: true, dependencies: { randvar: spec } }, null, 2));
    fs.writeFileSync(path.join(dir, 'package-lock.json'),
      JSON.stringify({ name: 'randvar-consumer', lockfileVersion: 3, requires: true, packages }, null, 2));

    installLog = check(npm(['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts',
      `./${tgz}`], dir), 'npm install --offline');
  });

  after(function () {
    if (dir && !process.env.RANDVAR_KEEP_PACK_TEST) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs offline from the npm cache with the runtime dependencies and no dev dependency', function () {
    const names = fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => !n.startsWith('.'));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const dep of ['randvar', ...Object.keys(pkg.dependencies)]) assert.ok(names.includes(dep), `${dep} is not installed`);
    for (const dev of ['typescript', 'mocha', 'tsx', 'prebuildify']) assert.ok(!names.includes(dev), `dev dependency ${dev} was installed`);
  });

  it('uses the prebuilt binary and compiles nothing', function () {
    assert.match(installLog, new RegExp(`randvar: using the prebuilt binary prebuilds/${process.platform}-${process.arch}/`),
      `the install step did not report the prebuild:\n${installLog}`);
    assert.ok(!fs.existsSync(path.join(installed(), 'build')), 'the installed package has a build/ folder');
  });

  const expected = { sum: [4, 6], chained: [8, 12], shape: [2, 2] };

  it('imports from a plain .mjs file (namespace, named and default imports)', function () {
    fs.writeFileSync(path.join(dir, 'use.mjs'), [
      "import * as rv from 'randvar';",
      "import { tensor } from 'randvar';",
      "import rvDefault from 'randvar';",
      'const sum = Array.from(rv.add([1, 2], [3, 4]).dataSync());',
      'const chained = Array.from(tensor([1, 2]).add([3, 4]).mul(2).dataSync());',
      'const shape = rvDefault.zeros([2, 2]).shape;',
      "const from = import.meta.resolve('randvar');",
      'console.log(JSON.stringify({ sum, chained, shape, from }));',
    ].join('\n'));
    const out = JSON.parse(check(spawnSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' }), 'node use.mjs'));
    assert.deepEqual({ sum: out.sum, chained: out.chained, shape: out.shape }, expected);
    assert.ok(out.from.endsWith('/node_modules/randvar/dist/index.mjs'), `resolved to ${out.from}`);
  });

  it('requires from a .cjs file', function () {
    fs.writeFileSync(path.join(dir, 'use.cjs'), [
      "const rv = require('randvar');",
      'const sum = Array.from(rv.add([1, 2], [3, 4]).dataSync());',
      'const chained = Array.from(rv.tensor([1, 2]).add([3, 4]).mul(2).dataSync());',
      'const shape = rv.zeros([2, 2]).shape;',
      "const from = require.resolve('randvar');",
      'console.log(JSON.stringify({ sum, chained, shape, from }));',
    ].join('\n'));
    const out = JSON.parse(check(spawnSync(process.execPath, ['use.cjs'], { cwd: dir, encoding: 'utf8' }), 'node use.cjs'));
    assert.deepEqual({ sum: out.sum, chained: out.chained, shape: out.shape }, expected);
    assert.equal(out.from, path.join(fs.realpathSync(installed()), 'dist', 'index.js'));
  });
});
