import type { Config } from 'jest';

const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@breakwater/([a-z-]+)$': '<rootDir>/../$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
} satisfies Config;

const project = (name: string) => ({
  ...shared,
  displayName: name,
  rootDir: `<rootDir>/packages/${name}`,
});

const config: Config = {
  rootDir: '.',
  projects: ['core', 'express', 'koa', 'dashboard', 'redis'].map((name) => ({ ...project(name), rootDir: `packages/${name}` })),
};

export default config;
