// The same gateway as an ES module: `express` and Breakwater come in through `import`,
// which the OpenTelemetry `require` hooks never see. Start it with the ESM setup file,
// which registers the instrumentations' loader hook before anything is imported:
//
//   UPSTREAM_URL=http://127.0.0.1:4000 PORT=3000 node --import ./otel.mjs server.mjs
import { BreakerRegistry } from '@breakwater/core';
import { breakerStatus, circuitBreaker } from '@breakwater/express';
import express from 'express';
import startGateway from './app.cjs';

startGateway({ express, BreakerRegistry, breakerStatus, circuitBreaker });
