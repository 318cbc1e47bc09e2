// What the services stored, read straight from their databases at the end of the run: the
// parts no API shows (a product document's holds and markers, notification records' status).
import { MongoClient } from 'mongodb';
import type { NotificationRecord, ProductDocument } from './invariants';

/** inventory's product documents as stored (holds, holders, restock markers), by SKU. */
export async function readProductDocuments(uri: string): Promise<Map<string, ProductDocument>> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    const docs = await client
      .db()
      .collection<{ _id: string } & ProductDocument>('products')
      .find({}, { projection: { reserved: 1, holds: 1, holders: 1, restockers: 1, restocks: 1 } })
      .toArray();
    return new Map(
      docs.map((d) => [
        d._id,
        {
          reserved: d.reserved,
          holds: (d.holds ?? []).map((h) => ({ orderId: h.orderId, quantity: h.quantity })),
          holders: d.holders ?? [],
          restockers: d.restockers ?? [],
          restocks: d.restocks ?? [],
        },
      ]),
    );
  } finally {
    await client.close();
  }
}

/** notification-service's records (one document per order, a record per event): event id,
 * Message-ID and status. */
export async function readNotificationRecords(uri: string): Promise<NotificationRecord[]> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    const docs = await client
      .db()
      .collection<{
        _id: string;
        events?: Record<string, { messageId: string; status: string }>;
      }>('order_notifications')
      .find({}, { projection: { events: 1 } })
      .toArray();
    return docs.flatMap((d) =>
      Object.entries(d.events ?? {}).map(([eventId, r]) => ({
        eventId,
        messageId: r.messageId,
        status: r.status,
      })),
    );
  } finally {
    await client.close();
  }
}
