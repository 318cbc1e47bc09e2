// Which failures of a send are worth retrying. The rule follows SMTP's own reply classes: 4xx
// means "try again later", 5xx means "this will not work". Failures before the server answered
// (refused connection, timeouts, DNS, TLS) are transient too. A bad login is a 5xx but a fault of
// our configuration, not of the message: it is retried (and parked in the dead-letter queue after
// the last tier, where it can be replayed once fixed) rather than recorded as the customer's
// failure. Anything unrecognised is retried for the same reason: parking is recoverable, a
// "failed" record is final.

export type SmtpFailureKind = 'transient' | 'permanent';

export interface SmtpFailure {
  readonly kind: SmtpFailureKind;
  /** The server's answer when there was one, otherwise the error's message. */
  readonly answer: string;
  readonly responseCode?: number;
  readonly code?: string;
}

/** Raised before any SMTP exchange when the recipient cannot be a single mailbox. */
export class InvalidRecipientError extends Error {
  readonly code = 'EINVALIDRECIPIENT';
  constructor(readonly recipient: string) {
    super(`invalid recipient address: ${JSON.stringify(recipient.slice(0, 320))}`);
    this.name = 'InvalidRecipientError';
  }
}

const MAX_ANSWER_LENGTH = 1000;

// Error codes of failures to reach or keep talking to the server (nodemailer's own codes and
// the Node.js socket errors it passes through).
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// Codes for a message the library refused to send: retrying sends the same bad message.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EINVALIDRECIPIENT']);

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

function answerOf(error: unknown): string {
  const response = field(error, 'response');
  const message = field(error, 'message');
  const text =
    typeof response === 'string' && response.length > 0
      ? response
      : typeof message === 'string'
        ? message
        : String(error);
  return text.length > MAX_ANSWER_LENGTH ? `${text.slice(0, MAX_ANSWER_LENGTH)}…` : text;
}

export function classifySmtpFailure(error: unknown): SmtpFailure {
  const rawCode = field(error, 'code');
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const rawResponseCode = field(error, 'responseCode');
  const responseCode =
    typeof rawResponseCode === 'number' && Number.isInteger(rawResponseCode)
      ? rawResponseCode
      : undefined;
  const answer = answerOf(error);
  const details = {
    answer,
    ...(responseCode !== undefined ? { responseCode } : {}),
    ...(code !== undefined ? { code } : {}),
  };

  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
    return { kind: code === 'EAUTH' ? 'transient' : 'permanent', ...details };
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return { kind: 'transient', ...details };
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return { kind: 'transient', ...details };
  }
  if (code !== undefined && MESSAGE_CODES.has(code)) {
    return { kind: 'permanent', ...details };
  }
  return { kind: 'transient', ...details };
}
