// The examples import the Breakwater packages by name, which resolves to their built
// `dist/`. On a fresh clone nothing is built yet: build what is missing or older than
// its sources, once, before the demo starts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILES = 10_000;

/**
 * Builds each package (in the order given: dependencies first) whose `dist/` is
 * missing or older than a file of its `src/` or its build configuration. With
 * `BREAKWATER_DEMO_BUILD=if-missing` (the tests), only a missing `dist/` is built, so
 * a test never rebuilds a `dist/` that another test is reading.
 *
 * @param {string[]} packages folder names under packages/, e.g. ['core', 'express']
 * @param {(line: string) => void} log
 * @returns {boolean} true when everything is built
 */
export function ensureBuilt(packages, log) {
  let rebuiltBefore = false;
  for (const name of packages) {
    const dir = join(ROOT, 'packages', name);
    // A package rebuilt earlier in the list makes its dependents stale too.
    if (!rebuiltBefore && isFresh(dir, process.env['BREAKWATER_DEMO_BUILD'] === 'if-missing')) continue;
    log(`building @breakwater/${name} (first run, or its sources changed) ...`);
    const result = spawnSync('pnpm', ['run', 'build'], {
      cwd: dir,
      encoding: 'utf8',
      // The demo only builds; it never installs anything.
      env: { ...process.env, npm_config_verify_deps_before_run: 'false' },
      timeout: 180_000,
    });
    if (result.error !== undefined || result.status !== 0) {
      log(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim());
      log(`building @breakwater/${name} failed; try \`pnpm install && pnpm build\` from the repository root`);
      return false;
    }
    rebuiltBefore = true;
  }
  return true;
}

/** @param {string} dir @param {boolean} ifMissing */
function isFresh(dir, ifMissing) {
  const built = join(dir, 'dist', 'esm', 'index.js');
  const builtCjs = join(dir, 'dist', 'cjs', 'index.js');
  if (!existsSync(built) || !existsSync(builtCjs)) return false;
  if (ifMissing) return true;
  const builtAt = Math.min(statSync(built).mtimeMs, statSync(builtCjs).mtimeMs);
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

// As a command: `node examples/demo/build.mjs core express` (the examples' start scripts).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  if (
    names.length === 0 ||
    !names.every((name) => existsSync(join(ROOT, 'packages', name, 'package.json')))
  ) {
    console.error(
      `usage: node examples/demo/build.mjs <package folder>... (e.g. core express), got ${names.join(' ')}`,
    );
    process.exit(2);
  }
  if (!ensureBuilt(names, (line) => console.error(line))) process.exit(1);
}
