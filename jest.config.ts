import { join } from 'node:path';
import type { Config } from 'jest';

/** Packages and examples with a `test/` folder: one Jest project each. */
const PACKAGES = ['core', 'express', 'koa', 'dashboard', 'redis'];
const EXAMPLES = ['demo', 'otel'];

const project = (dir: string, name: string): Config => ({
  displayName: name,
  rootDir: join(__dirname, dir),
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: join(__dirname, 'tsconfig.test.json') }],
  },
  moduleNameMapper: {
    // Tests run against the sources, without a build.
    '^@breakwater/([a-z-]+)$': join(__dirname, 'packages/$1/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
});

const config: Config = {
  projects: [
    ...PACKAGES.map((name) => project(`packages/${name}`, name)),
    ...EXAMPLES.map((name) => project(`examples/${name}`, `example-${name}`)),
    // Packs every package, installs the tarballs with npm outside the workspace, runs apps.
    { ...project('test/packed', 'packed'), testMatch: ['<rootDir>/*.test.ts'] },
  ],
};

export default config;
