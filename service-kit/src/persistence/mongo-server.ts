import type { Connection } from 'mongoose';

/** What the server behind MONGODB_URI says it is. */
export interface MongoServerInfo {
  /** FerretDB's own version (its `buildInfo` has it); undefined on MongoDB. */
  readonly ferretdbVersion?: string;
}

/**
 * The tag the project's FerretDB build carries in its version (`v1.24.2+atomic-writes`): its
 * `update`, `findAndModify` and `delete` are atomic per document across connections (decision
 * 0013). Upstream FerretDB 1.x reads, evaluates and writes without a lock between them.
 */
export const ATOMIC_FERRETDB_TAG = '+atomic-writes';

const serverByConnection = new WeakMap<Connection, Promise<MongoServerInfo>>();

/**
 * What the server is, asked once per connection (`buildInfo`) and shared by every caller; a
 * failed probe (database down) is asked again by the next call.
 */
export function describeMongoServer(connection: Connection): Promise<MongoServerInfo> {
  let server = serverByConnection.get(connection);
  if (!server) {
    server = probe(connection);
    serverByConnection.set(connection, server);
    server.catch(() => serverByConnection.delete(connection));
  }
  return server;
}

async function probe(connection: Connection): Promise<MongoServerInfo> {
  if (connection.readyState !== 1) await connection.asPromise();
  const db = connection.db;
  if (!db) throw new Error('the MongoDB connection is not open');
  const info = await db.admin().command({ buildInfo: 1 });
  const version = info['ferretdbVersion'];
  return typeof version === 'string' ? { ferretdbVersion: version } : {};
}

/**
 * Refuses a server on which conditional writes from two connections can both succeed: a FerretDB
 * without the project's atomic-writes change, used with a pool of more than one connection.
 * On one connection such a server runs the commands one at a time, which keeps them atomic only
 * while this process is the database's one writer.
 */
export function checkConditionalWrites(server: MongoServerInfo, maxPoolSize: number): void {
  const version = server.ferretdbVersion;
  if (version === undefined || version.includes(ATOMIC_FERRETDB_TAG) || maxPoolSize <= 1) return;
  throw new Error(
    `FerretDB ${version} does not make conditional writes atomic across connections, and ` +
      `MONGODB_URI allows ${maxPoolSize}: use the project's FerretDB build (make toolchain; ` +
      `its version ends in ${ATOMIC_FERRETDB_TAG}), MongoDB, or maxPoolSize=1 in MONGODB_URI ` +
      `with a single writing process`,
  );
}
