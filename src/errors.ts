/**
 * The error catalogue: every error a user can act on has a type and a code.
 * Anything else that is thrown is a bug, logged with its stack and answered generically
 * (ESME_RSYSERR on SMPP).
 */
import { Status, statusName } from './smpp/command-status.js';

/** An SMPP refusal: the wire status is the error (`command_status` of the response). */
export class SmppStatusError extends Error {
  constructor(
    readonly status: number,
    message?: string,
  ) {
    super(message ?? statusName(status));
    this.name = 'SmppStatusError';
  }
}

/** A PDU that cannot be decoded: answered with generic_nack, then the session is closed. */
export class PduFormatError extends SmppStatusError {
  constructor(
    message: string,
    /** sequence_number of the bad PDU when it could be read, for the generic_nack. */
    readonly sequence = 0,
    status: number = Status.ESME_RINVCMDLEN,
  ) {
    super(status, message);
    this.name = 'PduFormatError';
  }
}

/** Invalid configuration: `key` is the dotted path of the offending setting. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    /** What is wrong, without the key. */
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** A command-line mistake: printed as is, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A lookup of something that does not exist (an account, a message). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** An HTTP refusal: the status, a machine-readable code (websms statusCode or ours) and a message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | string,
    message: string,
    /** Response headers that belong to the refusal (e.g. `retry-after` of a 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * An SMTP refusal: the reply code is the error, as smtp-server expects (`err.responseCode`); it
 * adds the enhanced status code (RFC 3463) that belongs to the reply code, then the message.
 */
export class SmtpReplyError extends Error {
  readonly responseCode: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'SmtpReplyError';
    this.responseCode = code;
  }
}
