/** What every console page handler shares: the deps, sessions and CSRF, rendering, and who is asking. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { Account } from '../store/accounts.js';
import type { ConsoleAuth, Viewer } from './console-auth.js';
import type { ConsoleDeps } from './deps.js';
import type { Html } from './html.js';
import { page, type PageOptions } from './layout.js';

/** The console's shared state, handed to each page's routes. */
export class ConsoleContext {
  private readonly viewers = new WeakMap<FastifyRequest, Viewer>();

  constructor(
    readonly deps: ConsoleDeps,
    readonly auth: ConsoleAuth,
  ) {}

  /** Remembers the signed-in viewer of a request (the auth hook calls this). */
  setViewer(request: FastifyRequest, viewer: Viewer): void {
    this.viewers.set(request, viewer);
  }

  /** The signed-in viewer; routes behind the auth hook always have one. */
  viewer(request: FastifyRequest): Viewer {
    const viewer = this.viewers.get(request);
    if (!viewer) throw new HttpError(401, 'signed_out', 'you are not signed in');
    return viewer;
  }

  /** Sends a whole page. */
  send(request: FastifyRequest, reply: FastifyReply, options: Omit<PageOptions, 'viewer' | 'csrf' | 'pollMs'> & { status?: number }, body: Html): FastifyReply {
    const csrf = this.auth.csrfToken(request, reply);
    const viewer = this.viewers.get(request) ?? null;
    const text = page({ ...options, viewer, csrf, pollMs: this.deps.config.console.pollMs }, body).text;
    return reply.code(options.status ?? 200).type('text/html; charset=utf-8').send(text);
  }

  /** Sends a piece of a page (live updates). */
  fragment(reply: FastifyReply, body: Html): FastifyReply {
    return reply.type('text/html; charset=utf-8').send(body.text);
  }

  /**
   * The account a request may act on. An account always acts on itself; the operator names one
   * by systemId (`required`: or is refused), or none for "every account".
   */
  accountFor(viewer: Viewer, systemId: string | undefined, required: true): Account;
  accountFor(viewer: Viewer, systemId: string | undefined, required?: false): Account | null;
  accountFor(viewer: Viewer, systemId: string | undefined, required = false): Account | null {
    if (viewer.kind === 'account') return viewer.account;
    if (!systemId) {
      if (required) throw new HttpError(400, 'account_required', 'choose an account');
      return null;
    }
    const account = this.deps.store.accounts.bySystemId(systemId);
    if (!account) throw new HttpError(404, 'not_found', `no account ${systemId}`);
    return account;
  }

  /** The CSRF token for forms rendered into this response. */
  csrf(request: FastifyRequest, reply: FastifyReply): string {
    return this.auth.csrfToken(request, reply);
  }
}
