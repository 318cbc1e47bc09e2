/** @eventshop/events-contracts: the wire format of every EventShop event. */
export {
  ALL_EVENT_TYPES,
  CLOUDEVENTS_CONTENT_TYPE,
  DATA_CONTENT_TYPE,
  EVENTS_EXCHANGE,
  EventTypes,
  isEventType,
  type EventType,
} from './types';
export { envelopeSchema, type AnyCloudEvent, type CloudEvent, type Envelope } from './envelope';
export {
  eventSchemas,
  type EventDataMap,
  type EventSchemaMap,
  type InventoryReleasedV1Data,
  type InventoryReservedV1Data,
  type JSONSchema,
  type OrderCancelledReason,
  type OrderCancelledV1Data,
  type OrderConfirmedV1Data,
  type OrderCreatedV1Data,
  type OrderLine,
  type OrderRejectedReason,
  type OrderRejectedV1Data,
  type ProductUpdatedV1Data,
  type ReservationFailedReason,
  type ReservationFailedV1Data,
  type ShortLine,
  type StockLine,
} from './schemas';
export { EVENT_CATALOG, type EventCatalogEntry, type ServiceName } from './catalog';
export { createEvent, type CreateEventOptions } from './create-event';
export {
  parseEvent,
  validateEvent,
  validateEventData,
  type DataValidationResult,
  type ValidationError,
  type ValidationResult,
} from './validate';
export {
  checkCompatibility,
  type BreakingChange,
  type BreakingChangeKind,
  type SchemaSet,
} from './compat/check-compatibility';
