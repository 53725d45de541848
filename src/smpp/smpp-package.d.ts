// Our typings for the parts of `smpp@0.5.1` we use. The package ships none.
// The server side uses only its definition tables (`commandsById`, `tlvsById`, `types`) and its
// PDU encoder; tests and benchmarks use its client `Session`.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  namespace smpp {
    /** A decoded or to-be-encoded PDU: header fields plus named body fields and TLVs. */
    interface PDU {
      command: string;
      command_id: number;
      command_length: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
      toBuffer(): Buffer;
    }

    interface PDUConstructor {
      new (command: string, options?: Record<string, unknown>): PDU;
      new (buffer: Buffer): PDU;
      maxLength: number;
    }

    type ResponseCallback = (pdu: PDU) => void;

    /** A client or server session over one socket. */
    interface Session extends EventEmitter {
      socket: Socket;
      paused: boolean;
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      bind_transmitter(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      bind_receiver(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      bind_transceiver(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      submit_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      submit_multi(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      data_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      query_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      cancel_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      replace_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean;
      enquire_link(options?: Record<string, unknown> | ResponseCallback, cb?: ResponseCallback): boolean;
      unbind(options?: Record<string, unknown> | ResponseCallback, cb?: ResponseCallback): boolean;
      deliver_sm_resp(options: Record<string, unknown>): boolean;
    }

    /** One field type of the definition tables (int8, cstring, …). */
    interface FieldType {
      read(buffer: Buffer, offset: number, length?: number): unknown;
      size(value: unknown): number;
    }

    interface CommandDef {
      id: number;
      command: string;
      params?: Record<string, { type: FieldType }>;
    }

    interface TlvDef {
      id: number;
      tag: string;
      type: FieldType;
      multiple?: boolean;
    }

    interface Server extends EventEmitter {
      listen(port: number, host?: string, cb?: () => void): this;
      close(cb?: () => void): this;
      address(): { port: number } | string | null;
    }
  }

  const smpp: {
    PDU: smpp.PDUConstructor;
    Session: new (options: { socket: Socket }) => smpp.Session;
    connect(options: { host: string; port: number; tls?: boolean; rejectUnauthorized?: boolean }, listener?: () => void): smpp.Session;
    createServer(options: Record<string, unknown>, listener?: (session: smpp.Session) => void): smpp.Server;
    commands: Record<string, smpp.CommandDef>;
    commandsById: Record<number, smpp.CommandDef>;
    tlvs: Record<string, smpp.TlvDef>;
    tlvsById: Record<number, smpp.TlvDef>;
    types: Record<'int8' | 'int16' | 'int32' | 'cstring' | 'string' | 'buffer' | 'dest_address_array' | 'unsuccess_sme_array', smpp.FieldType>;
    errors: Record<string, number>;
  };
  export = smpp;
}
