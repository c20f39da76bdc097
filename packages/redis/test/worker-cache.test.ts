// Regression: the forked workers' compiled sources were cached in the system temp folder
// under a name that ignored the checkout, so a second clone reused the first clone's
// cache, whose resolve hook pointed into a folder that no longer existed, and every
// worker died with "Cannot find module '@opentelemetry/api'". The cache now lives under
// the checkout, keyed by its path and lockfile, and a cache that does not fit is rebuilt.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');
const SCRIPT = 'packages/redis/test/support/build-workers.cjs';

jest.setTimeout(60_000);

/** A copy of what the worker build reads, with the dependencies linked in. */
function checkout(parent: string, name: string): string {
  const dir = join(parent, name);
  for (const sub of ['packages/core/src', 'packages/redis/src', 'packages/redis/test/support']) {
    cpSync(join(REPO, sub), join(dir, sub), { recursive: true });
  }
  cpSync(join(REPO, 'pnpm-lock.yaml'), join(dir, 'pnpm-lock.yaml'));
  // A real node_modules (so the cache lands in this copy), its entries linked.
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry === '.cache' || entry.startsWith('.')) continue;
    symlinkSync(join(REPO, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const pkg of ['core', 'redis']) {
    symlinkSync(join(REPO, 'packages', pkg, 'node_modules'), join(dir, 'packages', pkg, 'node_modules'));
  }
  return dir;
}

const build = (dir: string): string =>
  execFileSync(process.execPath, [join(dir, SCRIPT)], {
    encoding: 'utf8',
    env: { ...process.env, BREAKWATER_WORKER_CACHE: '' },
  });

/** Loads core through the cache's hook in a plain Node process, as a worker does. */
const loadCore = (root: string): string =>
  execFileSync(
    process.execPath,
    [
      '-r',
      join(root, 'hook.cjs'),
      '-e',
      `const core = require(${JSON.stringify(join(root, 'packages/core/src/index.js'))});
       require(${JSON.stringify(join(root, 'packages/core/src/telemetry/execute-span.js'))});
       process.stdout.write(typeof core.CircuitBreaker);`,
    ],
    { encoding: 'utf8', cwd: tmpdir() },
  );

describe('forked workers’ compiled cache', () => {
  let parent: string;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'bw-worker-cache-test-'));
  });

  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it('lives under the checkout, never in the system temp folder', () => {
    const root = execFileSync(process.execPath, [join(REPO, SCRIPT)], {
      encoding: 'utf8',
      env: { ...process.env, BREAKWATER_WORKER_CACHE: '' },
    });
    expect(root.startsWith(join(REPO, 'node_modules', '.cache', 'breakwater-workers'))).toBe(true);
  });

  it('survives a second clone after the first is deleted (two checkouts, the first removed)', () => {
    const first = checkout(parent, 'first');
    const second = checkout(parent, 'second');
    const firstRoot = build(first);
    const secondRoot = build(second);
    expect(firstRoot.startsWith(first)).toBe(true);
    expect(secondRoot.startsWith(second)).toBe(true);
    expect(loadCore(firstRoot)).toBe('function');

    rmSync(first, { recursive: true, force: true });
    expect(build(second)).toBe(secondRoot);
    expect(loadCore(secondRoot)).toBe('function');
  });

  it('rebuilds a cache written for another checkout, or one with files missing', () => {
    const dir = checkout(parent, 'stale');
    const root = build(dir);
    const manifestPath = join(root, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { repo: string };
    expect(manifest.repo).toBe(dir);

    // As if another clone, since deleted, had written it.
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, repo: join(parent, 'gone') }));
    expect(build(dir)).toBe(root);
    expect((JSON.parse(readFileSync(manifestPath, 'utf8')) as { repo: string }).repo).toBe(dir);

    const compiled = join(root, 'packages/core/src/index.js');
    rmSync(compiled);
    build(dir);
    expect(existsSync(compiled)).toBe(true);
    expect(loadCore(root)).toBe('function');
  });
});
