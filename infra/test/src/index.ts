/** Helpers of the infrastructure tests (the package publishes nothing; tests import these). */
export { assertContainerEngine, declaredPorts, imageFromEnv } from './container-engine';
export { requireEnv } from './env';
export { repoRoot } from './repo';
