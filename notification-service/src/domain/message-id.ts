// The Message-ID of a notification is derived from the id of the event it answers, so a re-send
// after a crash (see docs/decisions/0006) carries the same Message-ID and is recognisable as the
// same message by any downstream system that de-duplicates on it.

export const MESSAGE_ID_DOMAIN = 'eventshop';

// RFC 5322 dot-atom text, which a msg-id's left part must be.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export function messageIdFor(eventId: string): string {
  if (!DOT_ATOM.test(eventId) || eventId.length > 200) {
    throw new RangeError(`event id is not usable in a Message-ID: ${JSON.stringify(eventId)}`);
  }
  return `<${eventId}@${MESSAGE_ID_DOMAIN}>`;
}
