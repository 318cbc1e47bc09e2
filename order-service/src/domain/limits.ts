// Limits shared with the event contracts: a request that passes these produces a valid
// `order.created.v1`.
export const SKU_PATTERN = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
export const SKU_MAX_LENGTH = 64;
export const MAX_LINES = 100;
export const MAX_QUANTITY = 1000;
