export * from './order-lines';
export * from './stock';
export * from './product';
export * from './holds';
export * from './reservation-decision';
export * from './reservation-progress';
export * from './outcome-events';
