// The examples import the Breakwater packages by name, which resolves to their built
// `dist/`. On a fresh clone nothing is built yet: build what is missing or older than
// its sources, once, before the demo starts.
//
// A build never works in `dist/` itself (the packages' own `build` script starts with
// `rm -rf dist`): it compiles into a fresh folder beside it, then renames that folder
// to `dist/`. A process importing the package meanwhile (another test, another demo)
// never finds a half-deleted or half-written one. Replacing a stale build takes two
// renames (the old one aside, the new one in), an instant without `dist/`; the tests
// (`BREAKWATER_DEMO_BUILD=if-missing`) never replace one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILES = 10_000;
/** The `build` script of every package, which `build()` below reproduces outside `dist/`. */
export const PACKAGE_BUILD =
  'rm -rf dist && tsc -p tsconfig.build.json && tsc -p tsconfig.esm.json && node ../../scripts/mark-esm.mjs dist/esm';
/** The folders a package's build goes to: `tsconfig.build.json` (CommonJS) and `tsconfig.esm.json`. */
const OUTPUTS = /** @type {const} */ ([
  ['tsconfig.build.json', 'cjs'],
  ['tsconfig.esm.json', 'esm'],
]);

/**
 * Builds each package (in the order given: dependencies first) whose `dist/` is
 * missing or older than a file of its `src/` or its build configuration. With
 * `BREAKWATER_DEMO_BUILD=if-missing` (the tests), only a missing `dist/` is built and
 * an existing one is never replaced, so a test never changes a `dist/` that another
 * test is reading; two tests that find it missing at once both build, and the first
 * build to land is kept.
 *
 * @param {string[]} packages folder names under packages/, e.g. ['core', 'dashboard', 'express']
 * @param {(line: string) => void} log
 * @param {string} [root] the repository (tests point it at a fixture)
 * @returns {boolean} true when everything is built
 */
export function ensureBuilt(packages, log, root = ROOT) {
  const ifMissing = process.env['BREAKWATER_DEMO_BUILD'] === 'if-missing';
  let rebuiltBefore = false;
  for (const name of packages) {
    const dir = join(root, 'packages', name);
    // A package rebuilt earlier in the list makes its dependents stale too (unless only
    // missing builds are made: then an existing dist/ stays as it is).
    if (ifMissing ? isBuilt(dir) : !rebuiltBefore && isFresh(dir)) continue;
    log(`building @breakwater/${name} (first run, or its sources changed) ...`);
    const failure = build(dir, root, ifMissing);
    if (failure !== null) {
      log(failure);
      log(`building @breakwater/${name} failed; try \`pnpm install && pnpm build\` from the repository root`);
      return false;
    }
    rebuiltBefore = true;
  }
  return true;
}

/**
 * The package's `build` script, into a fresh `.dist-*` folder beside `dist/` (at the
 * same depth, so the source maps' relative paths stay right), then put in place.
 *
 * @param {string} dir the package
 * @param {string} root the repository
 * @param {boolean} keepExisting keep a `dist/` that appeared meanwhile instead of replacing it
 * @returns {string | null} what went wrong, or null
 */
function build(dir, root, keepExisting) {
  let out;
  try {
    out = mkdtempSync(join(dir, '.dist-'));
    const tsc = createRequire(join(dir, 'package.json')).resolve('typescript/bin/tsc');
    for (const [config, folder] of OUTPUTS) {
      const failure = run([tsc, '-p', config, '--outDir', join(out, folder)], dir);
      if (failure !== null) return failure;
    }
    const failure = run([join(root, 'scripts', 'mark-esm.mjs'), join(out, 'esm')], dir);
    if (failure !== null) return failure;
    return install(out, dir, keepExisting);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    // Whatever was not renamed into place: a failed build, or one that lost a race.
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Puts the build in `out` in place as `dir/dist`: one rename when there is no `dist/`
 * yet. An existing one is kept (`keepExisting`, when it is complete) or moved aside
 * first and deleted once the new one is in place.
 *
 * @param {string} out @param {string} dir @param {boolean} keepExisting
 * @returns {string | null}
 */
function install(out, dir, keepExisting) {
  const dist = join(dir, 'dist');
  const aside = [];
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        renameSync(out, dist);
        return null;
      } catch (error) {
        if (!isOccupied(error)) throw error;
      }
      // dist/ exists: another process built it meanwhile, or it is the stale build to replace.
      if (keepExisting && isBuilt(dir)) return null;
      const old = `${out}.old${attempt}`;
      try {
        renameSync(dist, old);
        aside.push(old);
      } catch (error) {
        // Another process moved it first: try again.
        if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT') throw error;
      }
    }
    return `${dist} kept changing while it was being replaced (another build running?)`;
  } finally {
    for (const old of aside) rmSync(old, { recursive: true, force: true });
  }
}

/** @param {unknown} error */
function isOccupied(error) {
  const code = /** @type {NodeJS.ErrnoException} */ (error).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/** @param {string[]} args @param {string} cwd @returns {string | null} */
function run(args, cwd) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (result.error === undefined && result.status === 0) return null;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim();
  return output === '' ? `${args.join(' ')} exited with ${result.status}` : output;
}

/** @param {string} dir */
function isBuilt(dir) {
  return OUTPUTS.every(([, folder]) => existsSync(join(dir, 'dist', folder, 'index.js')));
}

/** @param {string} dir */
function isFresh(dir) {
  if (!isBuilt(dir)) return false;
  const builtAt = Math.min(
    ...OUTPUTS.map(([, folder]) => statSync(join(dir, 'dist', folder, 'index.js')).mtimeMs),
  );
  let newest = 0;
  for (const file of ['package.json', 'tsconfig.build.json', 'tsconfig.esm.json']) {
    const path = join(dir, file);
    if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  newest = Math.max(newest, newestIn(join(dir, 'src')));
  return newest <= builtAt;
}

/** @param {string} dir */
function newestIn(dir) {
  let newest = 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0 && seen < MAX_FILES) {
    const current = /** @type {string} */ (pending.pop());
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      seen++;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

// As a command: `node examples/demo/build.mjs core dashboard express` (the examples' start scripts).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  if (
    names.length === 0 ||
    !names.every((name) => existsSync(join(ROOT, 'packages', name, 'package.json')))
  ) {
    console.error(
      `usage: node examples/demo/build.mjs <package folder>... (e.g. core dashboard express), got ${names.join(' ')}`,
    );
    process.exit(2);
  }
  if (!ensureBuilt(names, (line) => console.error(line))) process.exit(1);
}
