/**
 * examples/demo/build.mjs, which the demo, the examples' start scripts and the demo
 * tests run, sometimes at the same time: it reproduces every package's `build` script,
 * and builds never expose a half-deleted or half-written `dist/` to a process reading it.
 * Run against a fixture package, never the real `dist/` folders other tests read.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(__dirname, '../../..');
const buildModule = pathToFileURL(resolve(__dirname, '../build.mjs')).href;

test('build.mjs reproduces the build script of every package', async () => {
  // build.mjs is an ES module; these tests run as CommonJS.
  const PACKAGE_BUILD = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `console.log((await import(${JSON.stringify(buildModule)})).PACKAGE_BUILD)`,
    ],
    { encoding: 'utf8' },
  ).trim();
  expect(PACKAGE_BUILD).toMatch(/^rm -rf dist && tsc /);
  for (const name of readdirSync(join(root, 'packages'))) {
    const manifest = join(root, 'packages', name, 'package.json');
    if (!existsSync(manifest)) continue;
    const { scripts } = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: { build?: string } };
    expect([name, scripts?.build]).toEqual([name, PACKAGE_BUILD]);
  }
});

describe('concurrent builds of one package', () => {
  let fixture: string;
  let dir: string;

  /** A repository with one package, `fx`, exporting `version`, and the repository's node_modules. */
  beforeAll(() => {
    fixture = mkdtempSync(join(tmpdir(), 'breakwater-build-'));
    dir = join(fixture, 'packages', 'fx');
    mkdirSync(join(dir, 'src'), { recursive: true });
    mkdirSync(join(fixture, 'scripts'));
    copyFileSync(join(root, 'scripts', 'mark-esm.mjs'), join(fixture, 'scripts', 'mark-esm.mjs'));
    symlinkSync(join(root, 'node_modules'), join(fixture, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fx', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.build.json'),
      JSON.stringify({
        compilerOptions: {
          rootDir: 'src',
          outDir: 'dist/cjs',
          module: 'commonjs',
          moduleResolution: 'bundler',
          target: 'ES2022',
          declaration: true,
          sourceMap: true,
          types: [],
        },
        include: ['src'],
      }),
    );
    writeFileSync(
      join(dir, 'tsconfig.esm.json'),
      JSON.stringify({
        extends: './tsconfig.build.json',
        compilerOptions: { outDir: 'dist/esm', module: 'esnext' },
      }),
    );
    source(1);
  });

  afterAll(() => {
    if (fixture) rmSync(fixture, { recursive: true, force: true });
  });

  function source(version: number): void {
    const file = join(dir, 'src', 'index.ts');
    writeFileSync(file, `export const version: number = ${version};\n`);
    // Newer than the build so far and older than the next, whatever the timestamp resolution.
    const past = (ms: number) => new Date(Date.now() - ms);
    utimesSync(file, past(30_000), past(30_000));
    for (const folder of ['cjs', 'esm']) {
      const index = join(dir, 'dist', folder, 'index.js');
      if (existsSync(index)) utimesSync(index, past(60_000), past(60_000));
    }
  }

  /** `ensureBuilt(['fx'])` in a child process; resolves with its exit code and output. */
  function build(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const script = `
      const { ensureBuilt } = await import(${JSON.stringify(buildModule)});
      process.exit(ensureBuilt(['fx'], (line) => console.error(line), ${JSON.stringify(fixture)}) ? 0 : 1);`;
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.once('error', fail);
      child.once('close', (code) => done({ code, output }));
    });
  }

  const built = ['cjs/index.js', 'cjs/index.d.ts', 'esm/index.js', 'esm/package.json'];

  /**
   * Runs `n` builds at once while watching `dist/`: whenever it exists, it must hold a
   * whole build. Returns what the builds said and how often dist/ was seen.
   */
  async function race(n: number, env: Record<string, string>) {
    let done = false;
    const broken: string[] = [];
    const inode = () => {
      try {
        return statSync(join(dir, 'dist')).ino;
      } catch {
        return undefined;
      }
    };
    const watch = (async () => {
      while (!done) {
        const folder = inode();
        if (folder !== undefined) {
          const missing = built.filter((file) => !existsSync(join(dir, 'dist', file)));
          // Files missing from one and the same dist/ folder: half there. (A dist/ moved
          // aside or replaced between the two looks is not.)
          if (missing.length > 0 && inode() === folder) broken.push(missing.join(', '));
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const results = await Promise.all(Array.from({ length: n }, () => build(env)));
    done = true;
    await watch;
    return { results, broken };
  }

  const leftovers = () => readdirSync(dir).filter((entry) => entry.startsWith('.dist-'));
  const builtVersion = () =>
    readFileSync(join(dir, 'dist', 'cjs', 'index.js'), 'utf8').match(/version = (\d+)/)?.[1];

  test('tests (if-missing): three at once find no dist/, each builds, one lands, none is ever half there', async () => {
    const { results, broken } = await race(3, { BREAKWATER_DEMO_BUILD: 'if-missing' });
    for (const { code, output } of results) expect([code, output]).toEqual([0, expect.any(String)]);
    expect(broken).toEqual([]);
    expect(built.filter((file) => !existsSync(join(dir, 'dist', file)))).toEqual([]);
    expect(leftovers()).toEqual([]);
    expect(builtVersion()).toBe('1');
    // The source maps point at src/ from dist/, as the package's own build writes them.
    expect(JSON.parse(readFileSync(join(dir, 'dist', 'cjs', 'index.js.map'), 'utf8')).sources).toEqual([
      '../../src/index.ts',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'dist', 'esm', 'package.json'), 'utf8'))).toEqual({
      type: 'module',
    });

    // An existing dist/ is left alone, even when stale.
    source(2);
    const again = await build({ BREAKWATER_DEMO_BUILD: 'if-missing' });
    expect([again.code, again.output]).toEqual([0, '']);
    expect(builtVersion()).toBe('1');
  }, 120_000);

  test('the demo (stale sources): two at once replace dist/ with the new build, never half there', async () => {
    const { results, broken } = await race(2, {});
    for (const { code, output } of results) {
      expect(code).toBe(0);
      expect(output).toMatch(/building @breakwater\/fx/);
    }
    expect(broken).toEqual([]);
    expect(builtVersion()).toBe('2');
    expect(leftovers()).toEqual([]);
    // Up to date now: nothing to do.
    const again = await build({});
    expect([again.code, again.output]).toEqual([0, '']);
  }, 120_000);

  test('a build that fails leaves dist/ as it was, and nothing behind', async () => {
    writeFileSync(join(dir, 'src', 'index.ts'), 'export const version: number = "three";\n');
    const failed = await build({});
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/building @breakwater\/fx failed/);
    expect(builtVersion()).toBe('2');
    expect(leftovers()).toEqual([]);
  }, 120_000);
});
