// Timer counting and gc helpers for bench.mjs.
//
// process.getActiveResourcesInfo() lists only the timers that keep the event loop
// alive, so it misses unref()'d ones (opossum unref()s its two intervals per
// breaker). An async_hooks tracker sees every Timeout from creation to clearing.

import { createHook } from 'node:async_hooks';

/** Starts tracking live Timeout objects (setTimeout and setInterval). Call `disable()` when done. */
export function trackTimers() {
  const live = new Set();
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout') live.add(asyncId);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return { live, disable: () => hook.disable() };
}

/** Timeout objects created since `trackTimers()` and not yet cleared or fired. */
export function countLiveTimers(tracker) {
  return tracker.live.size;
}

/** Timers that keep the event loop alive. */
export function countRefedTimers() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Lets queued callbacks (async_hooks destroy events among them) run. */
export function sleepTick() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A few full collections, so that the next heap reading is stable. */
export function settle() {
  for (let i = 0; i < 3; i++) globalThis.gc();
}
