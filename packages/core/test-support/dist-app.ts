/**
 * A throwaway app folder that depends on built Breakwater packages, for the tests that
 * prove each package loads through its `exports` map with `require` and `import`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const PACKAGES = resolve(__dirname, '../..');

/** What {@link distApp} returns: Jest hooks, and `run` for `node` inside the app. */
export interface DistApp {
  /** Builds the packages whose `dist/` is missing and lays out the app; for `beforeAll`. */
  setup(): void;
  /** Removes the app; for `afterAll`. */
  cleanup(): void;
  /** Runs `node args…` in the app and returns its trimmed output. */
  run(args: string[]): string;
}

/**
 * @param packages - Breakwater packages the app uses (`'core'`, `'express'`…), built in
 *   this order when their `dist/` is missing, linked as `@breakwater/<name>`.
 * @param links - other modules the app needs: name → folder, resolved from `from`.
 * @param from - the folder `links` are relative to (the package under test).
 */
export function distApp(packages: string[], links: Record<string, string> = {}, from = PACKAGES): DistApp {
  let dir: string | undefined;
  return {
    setup() {
      for (const name of packages) {
        const pkg = join(PACKAGES, name);
        if (!existsSync(join(pkg, 'dist/cjs/index.js')) || !existsSync(join(pkg, 'dist/esm/index.js'))) {
          execFileSync('pnpm', ['run', 'build'], { cwd: pkg, stdio: 'pipe' });
        }
      }
      dir = mkdtempSync(join(tmpdir(), `breakwater-${packages.at(-1)}-dist-`));
      for (const name of packages) {
        const at = join(dir, 'node_modules/@breakwater', name);
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(join(PACKAGES, name), at, 'dir');
      }
      for (const [name, path] of Object.entries(links)) {
        const at = join(dir, 'node_modules', name);
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(realpathSync(resolve(from, path)), at, 'dir');
      }
    },
    cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    run(args) {
      if (!dir) throw new Error('distApp: setup() has not run');
      return execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 }).trim();
    },
  };
}
