import mongoose from 'mongoose';

/** Drops the database a MongoDB URI names. */
export async function dropDatabase(uri: string): Promise<void> {
  const conn = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  try {
    await conn.dropDatabase();
  } finally {
    await conn.close();
  }
}
