// Indexes are created at start, awaited before the app serves, rather than by Mongoose's
// autoIndex (which builds them in the background after the first use and only emits an error
// nobody awaits). The indexes are the ones the schemas declare; a service lists its models.
import { Logger, type OnModuleInit } from '@nestjs/common';
import type { Collection, Connection } from 'mongoose';
import { describeMongoServer } from './mongo-server';

/** What is needed of a Mongoose model: its schema's declared indexes and its collection. */
export interface IndexedModel {
  readonly schema: { indexes(): unknown[] };
  readonly collection: Pick<Collection, 'collectionName' | 'createIndex' | 'listIndexes'>;
  readonly db: Connection;
}

type IndexKeys = Record<string, 1 | -1>;
type IndexOptions = Record<string, unknown> & { expireAfterSeconds?: number };

/**
 * Creates every index the models' schemas declare that is missing, and returns the names of
 * those it created (`<collection>.<index>`). It never drops or changes an index (syncIndexes
 * would drop the ones a schema no longer names). A TTL index (`expireAfterSeconds`) is created
 * as such where the server supports it (MongoDB) and as a plain index elsewhere (FerretDB 1.x
 * has no TTL): there, the service's own sweeper deletes expired documents, so keep it.
 */
export async function ensureIndexes(
  models: readonly IndexedModel[],
  logger = new Logger('Indexes'),
): Promise<string[]> {
  if (models.length === 0) return [];
  const ttl = (await describeMongoServer(models[0]!.db)).ferretdbVersion === undefined;
  const created: string[] = [];
  for (const model of models) {
    const collection = model.collection;
    const before = new Set(await indexNames(model));
    for (const [keys, declared] of model.schema.indexes() as [IndexKeys, IndexOptions][]) {
      const { background: _background, ...options } = declared;
      if (!ttl && options.expireAfterSeconds !== undefined) {
        delete options.expireAfterSeconds;
        logger.log(
          `${collection.collectionName} ${JSON.stringify(keys)}: this server has no TTL indexes; a plain index (the sweeper expires)`,
        );
      }
      const name = await collection.createIndex(keys, options);
      if (!before.has(name)) created.push(`${collection.collectionName}.${name}`);
    }
  }
  const names = models.map((m) => m.collection.collectionName).join(', ');
  logger.log(
    created.length > 0
      ? `indexes in place on ${names}; created ${created.join(', ')}`
      : `indexes in place on ${names}; none missing`,
  );
  return created;
}

async function indexNames(model: IndexedModel): Promise<string[]> {
  try {
    const indexes = await model.collection.listIndexes().toArray();
    return indexes.map((i) => String(i['name']));
  } catch {
    return []; // no collection yet
  }
}

/**
 * A service's index creation: a provider that lists its models and runs `ensureIndexes` at
 * module init, so a failure stops the start with its cause.
 *
 *     @Injectable()
 *     export class CreateIndexes extends IndexesAtStart {
 *       constructor(@InjectModel(Order.name) orders: Model<Order>) { super([orders]); }
 *     }
 */
export abstract class IndexesAtStart implements OnModuleInit {
  protected constructor(private readonly models: readonly IndexedModel[]) {}

  async onModuleInit(): Promise<void> {
    await ensureIndexes(this.models);
  }
}
