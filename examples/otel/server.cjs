// An Express gateway in front of the example upstream, with one Breakwater breaker per
// route (see app.cjs). Nothing in it is about OpenTelemetry: start it with
// `--require ./otel.cjs` and every request's server span carries circuit_breaker.*
// attributes, and the circuit_breaker.* metrics flow to the same collector.
//
//   UPSTREAM_URL=http://127.0.0.1:4000 PORT=3000 node --require ./otel.cjs server.cjs
//
// The ES-module twin is server.mjs, started with `--import ./otel.mjs`.
const express = require('express');
const { BreakerRegistry } = require('@breakwater/core');
const { breakerStatus, circuitBreaker } = require('@breakwater/express');
const startGateway = require('./app.cjs');

startGateway({ express, BreakerRegistry, breakerStatus, circuitBreaker });
