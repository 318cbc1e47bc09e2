import { Inject, Injectable } from '@nestjs/common';
import {
  createEvent,
  type CloudEvent,
  type EventDataMap,
  type EventType,
} from '@eventshop/events-contracts';
import { childTraceparent, currentContext } from '../context/context';
import { KIT_OPTIONS, type KitOptions } from '../kit.options';

export interface NewEventInput<T extends EventType> {
  /** The order id (or the SKU for product updates). */
  readonly subject: string;
  readonly data: EventDataMap[T];
  /** A deterministic id, when re-running a step must produce the very same event. */
  readonly id?: string;
  readonly time?: Date;
}

/**
 * Creates CloudEvents stamped with this service as source and with the correlation of the work
 * in progress: inside a request or a handler, `correlationid`, `causationid` (the handled event)
 * and `traceparent` come from the current context.
 */
@Injectable()
export class EventFactory {
  private readonly source: string;

  constructor(@Inject(KIT_OPTIONS) options: KitOptions) {
    this.source = `/${options.service}`;
  }

  create<T extends EventType>(type: T, input: NewEventInput<T>): CloudEvent<T> {
    const ctx = currentContext();
    return createEvent(type, {
      source: this.source,
      subject: input.subject,
      data: input.data,
      id: input.id,
      time: input.time,
      correlationid: ctx?.correlationId,
      causationid: ctx?.causationId,
      traceparent: ctx ? childTraceparent(ctx) : undefined,
    });
  }
}
