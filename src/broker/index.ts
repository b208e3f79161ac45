/**
 * b2up/broker: the server side of b2up. `createBroker(options)` returns a Fetch handler that holds
 * the B2 key and speaks docs/broker-protocol.md to the browser SDK. Everything not exported here is
 * internal and may change.
 */
export { type Broker, createBroker } from './broker.js';
export type { StoredFile, UploadComplete } from './completion.js';
export type { DownloadUrl, DownloadUrlOptions } from './download-url.js';
export {
  type BrokerConfigCode,
  BrokerConfigError,
  isBrokerConfigError,
  type ProtocolErrorCode,
} from './errors.js';
export type {
  BrokerB2Client,
  BrokerB2Key,
  BrokerLimits,
  BrokerOptions,
  NameContext,
  Principal,
} from './options.js';
export type { RateBudgetName, RateDecision, RateLimiter, RateStore } from './rate-limit.js';
