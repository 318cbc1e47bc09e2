// @eventshop/service-kit/testing: the integration-test harness every package uses.
export { testInfra, type InfraPart, type ScopeEnv, type TestInfra, type TestScope } from './infra';
export { waitFor } from './wait-for';
export {
  CommandCounter,
  describeCounts,
  total,
  withCommandMonitoring,
  type CommandCounts,
} from './command-counter';
