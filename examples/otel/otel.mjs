// The OpenTelemetry setup for an ES-module app, loaded with
//
//   node --import ./otel.mjs server.mjs
//
// `--require` is not enough for ESM: `import express from 'express'` goes through Node's
// ESM loader, which the instrumentations' `require` hooks never see, so the Express
// instrumentation would patch nothing and the server spans would lack the route. Two
// things fix it, both before the app's first import:
//   1. register the instrumentations' loader hook (import-in-the-middle, shipped as
//      @opentelemetry/instrumentation/hook.mjs) with `module.register`;
//   2. then set up the SDK and the instrumentations, as otel.cjs does for CommonJS.
// Node >= 20.6 has `module.register`; `--import` runs this file before the entry point.
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
createRequire(import.meta.url)('./otel.cjs');
