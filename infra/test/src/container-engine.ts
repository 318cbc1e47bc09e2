import { existsSync } from 'node:fs';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';

const DOCKER_SOCKET = '/var/run/docker.sock';
const LOCAL_IMAGE_PREFIX = 'localhost/eventshop/';

/**
 * Fails with one line when testcontainers has no engine to talk to: neither DOCKER_HOST (the
 * project's podman socket, or any Docker engine) nor Docker's default socket.
 */
export function assertContainerEngine(): void {
  const host = process.env['DOCKER_HOST'];
  if (host === undefined || host === '') {
    if (existsSync(DOCKER_SOCKET)) return;
    throw new Error(
      'no container engine: run `make infra-up` (starts podman) and export the lines of ' +
        '`bash scripts/infra.sh env` (DOCKER_HOST=unix://…/podman.sock), or run Docker',
    );
  }
  const socket = host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
  if (socket !== undefined && !existsSync(socket)) {
    throw new Error(`DOCKER_HOST=${host} is not there: start the engine with \`make infra-up\``);
  }
}

/** The image named by an env variable (MONGO_IMAGE, RABBITMQ_IMAGE, …), else the official one. */
export function imageFromEnv(variable: string, official: string): string {
  const value = process.env[variable];
  return value === undefined || value === '' ? official : value;
}

/**
 * The ports an image declares with EXPOSE. A test must expose all of them: podman reports a
 * declared port that is not published as a binding without a host port, and testcontainers then
 * waits for it forever. Pulls the image first if the engine lacks it (a local stand-in cannot be
 * pulled: that fails with how to build it).
 */
export async function declaredPorts(image: string): Promise<number[]> {
  const client = await getContainerRuntimeClient();
  const name = ImageName.fromString(image);
  if (!(await client.image.exists(name))) {
    if (image.startsWith(LOCAL_IMAGE_PREFIX)) {
      throw new Error(`${image} is not built: run \`make images-local\``);
    }
    await client.image.pull(name);
  }
  const info = await client.image.inspect(name);
  return Object.keys(info.Config.ExposedPorts ?? {})
    .filter((key) => key.endsWith('/tcp'))
    .map((key) => Number.parseInt(key, 10))
    .sort((a, b) => a - b);
}
