import { Module, type Type } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventTypes } from '@eventshop/events-contracts';
import { EventShopKitModule, defineConsumer, env, type KitOptions } from '../../src';
import {
  ExampleOrder,
  ExampleOrderSchema,
  LedgerEntry,
  LedgerEntrySchema,
} from './example.schemas';
import { PlaceOrderController } from './place-order.controller';
import { RecordOrderHandler } from './record-order.handler';

// The whole wiring of a service: its env, its consumer queue, the kit, its models.

export const exampleEnv = {
  EXAMPLE_HANDLER_DELAY_MS: env.int({ min: 0, default: 0 }),
};

export const EXAMPLE_QUEUE = 'example.order-events';

const orderEvents = defineConsumer({
  queue: EXAMPLE_QUEUE,
  handlers: { [EventTypes.OrderCreatedV1]: RecordOrderHandler },
  // The example places orders itself; tests publish as `/test`.
  producers: { [EventTypes.OrderCreatedV1]: ['example-service', 'test'] },
});

/** The example service's root module; tests pass kit options (fast sweeps, test hooks). */
export function exampleModule(
  overrides: Partial<KitOptions<typeof exampleEnv>> = {},
): Type<unknown> {
  @Module({
    imports: [
      EventShopKitModule.forRoot({
        service: 'example-service',
        defaultPort: 3999,
        env: exampleEnv,
        consumers: [orderEvents],
        ...overrides,
      }),
      MongooseModule.forFeature([
        { name: ExampleOrder.name, schema: ExampleOrderSchema },
        { name: LedgerEntry.name, schema: LedgerEntrySchema },
      ]),
    ],
    controllers: [PlaceOrderController],
    providers: [RecordOrderHandler],
  })
  class ExampleAppModule {}
  return ExampleAppModule;
}
