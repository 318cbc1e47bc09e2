// The recipient comes from event data. The contracts validate it as an e-mail address, but the
// mail library reads commas, angle brackets and line breaks as syntax, so the single address is
// checked again here: one mailbox, no display name, nothing that could add a recipient or header.

const MAX_ADDRESS_LENGTH = 320;
// local@domain, no whitespace/control chars, no list or group syntax.
const SIMPLE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/;

export function isDeliverableAddress(address: string): boolean {
  return (
    address.length <= MAX_ADDRESS_LENGTH &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f]/.test(address) &&
    SIMPLE_ADDRESS.test(address)
  );
}
