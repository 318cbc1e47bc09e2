/**
 * One client process of a write race (spawned by ferretdb-behaviour.test.ts): opens `pool`
 * connections, says `ready`, waits for a line on stdin, then sends `count` conditional writes to
 * one document at once and prints how many the server reported as won, as one JSON line.
 */
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';

export type RaceOp = 'decrement' | 'revision' | 'claim-or-delete';

export interface RaceSpec {
  readonly uri: string;
  readonly db: string;
  readonly collection: string;
  readonly id: string;
  readonly op: RaceOp;
  readonly count: number;
  readonly pool: number;
  readonly tag: string;
}

interface RaceDoc {
  _id: string;
  stock?: number;
  revision?: number;
  owner?: string;
  claimed?: boolean;
}

async function main(spec: RaceSpec): Promise<void> {
  const client = new MongoClient(spec.uri, { maxPoolSize: spec.pool, minPoolSize: spec.pool });
  await client.connect();
  const db = client.db(spec.db);
  const docs = db.collection<RaceDoc>(spec.collection);
  // Check out every connection of the pool at once, so the race runs on `pool` connections.
  await Promise.all(Array.from({ length: spec.pool }, () => db.command({ ping: 1 })));
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once('line', () => resolve()),
  );

  const attempt = async (i: number): Promise<boolean> => {
    switch (spec.op) {
      case 'decrement':
        return (
          (await docs.updateOne({ _id: spec.id, stock: { $gte: 1 } }, { $inc: { stock: -1 } }))
            .modifiedCount === 1
        );
      case 'revision':
        return (
          (await docs.findOneAndUpdate(
            { _id: spec.id, revision: 1 },
            { $set: { owner: `${spec.tag}-${i}` }, $inc: { revision: 1 } },
          )) !== null
        );
      case 'claim-or-delete':
        return i % 2 === 0
          ? (await docs.updateOne({ _id: spec.id, claimed: false }, { $set: { claimed: true } }))
              .modifiedCount === 1
          : (await docs.deleteOne({ _id: spec.id, claimed: false })).deletedCount === 1;
    }
  };
  const results = await Promise.all(Array.from({ length: spec.count }, (_, i) => attempt(i)));
  process.stdout.write(`${JSON.stringify({ won: results.filter(Boolean).length })}\n`);
  await client.close();
}

main(JSON.parse(process.argv[2] ?? '') as RaceSpec).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
