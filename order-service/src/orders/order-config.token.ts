/** Injection token of the order service's validated configuration. */
export const ORDER_CONFIG = Symbol('ORDER_CONFIG');
