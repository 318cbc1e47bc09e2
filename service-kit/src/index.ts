// @eventshop/service-kit: the public API. Anything not exported here is internal.

// Wiring a service
export { EventShopKitModule } from './kit.module';
export {
  InjectConfig,
  KIT_CONFIG,
  type KitOptions,
  type KitTestHooks,
  type OutboxOptions,
} from './kit.options';
export { createServiceApp, startService, type ServiceAppOptions } from './bootstrap';

// Configuration
export {
  env,
  formatDuration,
  parseDuration,
  type EnvSchema,
  type EnvValues,
  type EnvVar,
} from './config/env';
export { loadConfig, type KitConfig } from './config/load-config';
export { ConfigError } from './config/config-error';

// Context carried by logs and emitted events
export { currentContext, runWithContext, type WorkContext } from './context/context';
export { redactSecrets } from './logging/redact';

// Metrics: one registry per app, shared by the kit and the service
export { MetricsService } from './metrics/metrics.service';

// Publishing: events are written into the aggregate's outbox, the relay publishes them
export { EventFactory, type NewEventInput } from './messaging/event-factory';
export {
  assertValidEvent,
  InvalidEventError,
  outboxPush,
  toOutboxEntries,
  withOutbox,
  type OutboxEntry,
  type WithOutbox,
} from './messaging/outbox/outbox.schema';
export { OutboxWriter } from './messaging/outbox/outbox-writer';
export { OutboxRelay, safetySweepIntervalMs } from './messaging/outbox/outbox-relay';

// Group commit: concurrent inserts into one collection as one command
export { InsertBatcher, type InsertTarget } from './persistence/group-commit';

// Conditional single-document writes by `_id`; what the server is
export {
  GuardedWrites,
  type DocumentId,
  type Guard,
  type GuardedTarget,
  type GuardedUpdateOptions,
  type GuardedUpdateResult,
} from './persistence/guarded-writes';
export {
  ATOMIC_FERRETDB_TAG,
  checkConditionalWrites,
  describeMongoServer,
  type MongoServerInfo,
} from './persistence/mongo-server';

// Keeps the driver from staying disconnected after a database restart; MongoDB availability
export { MongoWatchdog } from './persistence/mongo-watchdog';
export { ensureIndexes, IndexesAtStart, type IndexedModel } from './persistence/ensure-indexes';

// Consuming: one handler per event type, one middleware chain per queue
export {
  defineConsumer,
  type ConsumerDefinition,
  type EventHandler,
  type HandlerMap,
  type MessageContext,
} from './messaging/consumer/handler';
export { PermanentError } from './messaging/consumer/errors';

// Topology names and dead letters (also the `eventshop-dlq` command)
export {
  DeadLetterHeaders,
  deadLetterQueueName,
  retryQueueName,
  UNROUTABLE_MAX_LENGTH,
  UNROUTABLE_QUEUE,
  type DeadLetterReason,
} from './messaging/topology';
export { DeadLetterQueue, type ParkedMessage } from './messaging/dlq/dead-letter-queue';

// HTTP: RFC 9457 problem+json for every error, JWT authentication
export {
  conflictProblem,
  forbiddenProblem,
  notFoundProblem,
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  problemType,
  unauthorizedProblem,
  validationProblem,
  type FieldProblem,
  type ProblemDetails,
} from './http/problem/problem-details';
export { ProblemDetailsFilter, problemFromException } from './http/problem/problem-details.filter';
export { useProblemDetails, type ProblemDetailsOptions } from './http/problem/use-problem-details';
export {
  AuthenticationError,
  bearerToken,
  JwtVerifier,
  VERIFIED_TOKENS,
  type AuthConfig,
  type Principal,
  type VerifiedTokenCache,
} from './http/auth/jwt-verifier';
export { authConfigFrom, authEnv, validateAuthEnv, type AuthEnvValues } from './http/auth/auth-env';
export {
  CurrentUser,
  hasRole,
  JwtAuthGuard,
  jwtVerifierProvider,
  principalOf,
  Roles,
  type AuthedRequest,
} from './http/auth/jwt-auth.guard';
