import { execFileSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../../..');
let root: string | null = null;

/**
 * The transpiled sources for forked workers (see build-workers.cjs), built once per
 * content and reused across test files and runs.
 */
export function transpileSources(): { hook: string; root: string } {
  root ??= execFileSync(process.execPath, [join(__dirname, 'build-workers.cjs')], { encoding: 'utf8' });
  return { hook: join(root, 'hook.cjs'), root };
}

/** The transpiled path of a TypeScript file of this repository. */
export function transpiled(file: string): string {
  return join(transpileSources().root, relative(REPO, file)).replace(/\.ts$/, '.js');
}
