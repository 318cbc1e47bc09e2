// After a write that added outbox entries, the relay is told so it publishes at once rather than
// at its next sweep. Bound to service-kit's relay in the module.
export abstract class OutboxNotifier {
  abstract written(orderId: string): void;
}

export class NoopOutboxNotifier extends OutboxNotifier {
  written(): void {}
}
