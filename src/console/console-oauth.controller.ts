import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { resolveClientIp } from '../core/client-ip.js';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { SettingsService } from '../settings/settings.service.js';
import { ConsoleOAuthSignIn, SIGN_IN_TTL_MS } from './console-oauth-sign-in.js';
import {
  cameOverTls,
  clearedSignInCookie,
  readCookie,
  sessionCookie,
  SIGN_IN_COOKIE,
  signInCookie,
} from './session-cookie.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONSOLE = '/console/';

/** A query parameter given once as text, else undefined (a repeated one is not guessed at). */
function one(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Signing in to the web console through an identity provider. These are browser navigations, not
 * API calls: every answer is a redirect, to the provider, to the console, or back to the sign-in
 * page with a reason code (`?sign-in-error=`) that the console shows as a sentence. Never a JSON
 * error page, never a 500. Not in the OpenAPI document, like the rest of /console/session.
 */
@Controller('console/session')
@ApiExcludeController()
export class ConsoleOAuthController {
  constructor(
    private readonly signIn: ConsoleOAuthSignIn,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The providers the sign-in page offers ("Sign in with <name>"); public, as the page is. */
  @Get('providers')
  providers(@Res({ passthrough: true }) reply: FastifyReply): {
    providers: { id: string; name: string }[];
  } {
    void reply.header('cache-control', 'no-store');
    return { providers: this.signIn.offered() };
  }

  /** Starts a sign-in: sets the browser's sign-in cookie and sends it to the provider. */
  @Get('oauth/:id')
  async start(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const started = UUID.test(id)
      ? await this.signIn.start(id.toLowerCase())
      : ({ ok: false, reason: 'provider_unavailable' } as const);
    if (!started.ok) return this.backToSignIn(reply, request, started.reason);
    void reply.header(
      'set-cookie',
      signInCookie(started.binding, SIGN_IN_TTL_MS, this.secure(request)),
    );
    return this.redirect(reply, started.location);
  }

  /** The provider's redirect back (register `consoleRedirectUri`): a session, or the reason. */
  @Get('oauth/:id/callback')
  async callback(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const secure = this.secure(request);
    const binding = readCookie(request.headers.cookie, SIGN_IN_COOKIE);
    const result = UUID.test(id)
      ? await this.signIn.finish(
          id.toLowerCase(),
          { code: one(query.code), state: one(query.state), error: one(query.error) },
          binding,
        )
      : ({ ok: false, reason: 'state_mismatch' } as const);
    if (!result.ok) return this.backToSignIn(reply, request, result.reason);
    const { opened, identity, provider } = result;
    await this.audit
      .record({
        actorUserId: identity.userId,
        actorUsername: identity.username,
        actorKeyId: identity.credential.keyId,
        action: 'console.sign-in',
        targetId: null,
        ip: resolveClientIp(
          request.raw.socket.remoteAddress ?? '',
          request.headers['x-forwarded-for'],
          this.settings.trustedProxies(),
        ),
        details: { provider: provider.name, providerId: provider.id },
      })
      // The session is open either way; a lost audit record must not turn into an error page.
      .catch((error: Error) =>
        this.logger.error(
          { action: 'console.sign-in', err: error.message },
          'Could not record an audit event',
        ),
      );
    void reply.header('set-cookie', [
      clearedSignInCookie(secure),
      sessionCookie(opened.id, opened.expiresAt - Date.now(), secure),
    ]);
    return this.redirect(reply, CONSOLE);
  }

  private backToSignIn(reply: FastifyReply, request: FastifyRequest, reason: string): void {
    void reply.header('set-cookie', clearedSignInCookie(this.secure(request)));
    return this.redirect(reply, `${CONSOLE}?sign-in-error=${encodeURIComponent(reason)}`);
  }

  private redirect(reply: FastifyReply, location: string): void {
    // no-referrer: the callback's URL holds the code and state; they go nowhere else.
    void reply
      .status(303)
      .header('location', location)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send();
  }

  private secure(request: FastifyRequest): boolean {
    return cameOverTls(request, this.settings.trustedProxies(), this.config.publicUrl);
  }
}
