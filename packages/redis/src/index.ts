export { RedisStore } from './redis-store.js';
export type { RedisClientLike, RedisStoreOptions, RedisStoreStatus } from './types.js';
