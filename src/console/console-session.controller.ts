import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Audited } from '../audit/audited.decorator.js';
import { PROBLEM_TYPES, ProblemException, TooManyAttemptsException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import { hasKeyShape } from '../keys/key-format.js';
import type { Identity } from '../core/identity.js';
import { ApiKeyAuthenticator, type KeyCheck } from '../keys/api-key-authenticator.js';
import { CallerAttempts } from '../limits/caller-attempts.js';
import { SettingsService } from '../settings/settings.service.js';
import { isAdmin } from './console-access.js';
import { ConsoleSessions, type SentAs } from './console-sessions.js';
import { type ConsoleSessionDto, SignInDto } from './console-session.dto.js';
import { cameOverTls, clearedSessionCookie, sessionCookie } from './session-cookie.js';

const REFUSALS: Partial<Record<string, string>> = {
  malformed_credential: 'This is not a Portcullis key (they start with pcl_)',
  unknown_key: 'This key is not known',
  expired_key: 'This key has expired',
  revoked_key: 'This key has been revoked',
  user_disabled: 'The user who owns this key is disabled',
  wrong_key_type: 'This is a basic key: give its username too (or a bearer key without one)',
  username_mismatch: 'The username and key do not match',
};

/** Why a key was refused, in the words the sign-in form shows next to the key field. */
function refusal(reason: string, key: string): string {
  // A mistyped key fails its checksum; telling that apart from "this is no key" helps the person
  // retyping it. The checksum is public (it is how scanners find leaked keys), so this leaks nothing.
  if (reason === 'malformed_credential' && hasKeyShape(key)) {
    return 'This key’s checksum does not match: part of it is mistyped or missing';
  }
  return REFUSALS[reason] ?? 'This key cannot be used';
}

/**
 * Signing in to the web console with a key: the session cookie then stands for that key on the
 * admin and self-service APIs (see SessionStrategy). Not part of the OpenAPI document: it is the
 * browser console's own mechanism, and scripts should send keys.
 */
@Controller('console/session')
@ApiExcludeController()
export class ConsoleSessionController {
  constructor(
    private readonly sessions: ConsoleSessions,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly hasher: KeyHasher,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
    private readonly attempts: CallerAttempts,
  ) {}

  /**
   * Opens a session. Only JSON bodies are parsed, so a cross-site form cannot sign a browser in
   * with someone else's key (login CSRF) without a CORS preflight, which is never granted.
   */
  @Audited('console.sign-in', { secrets: ['key'] })
  @Post()
  async signIn(
    @Body() body: SignInDto,
    @Req() request: FastifyRequest & { user?: Identity },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    const sentAs: SentAs =
      body.username === undefined ? { type: 'bearer' } : { type: 'basic', username: body.username };
    // A key sent here is an attempt like any other: the failed-attempt limits apply.
    const attempt = this.attempts.of(
      request,
      sentAs.type === 'bearer'
        ? { kind: 'bearer', token: body.key }
        : { kind: 'basic', username: sentAs.username, password: body.key },
    );
    const limited = this.attempts.screen(attempt);
    if (limited !== undefined) throw new TooManyAttemptsException(limited.retryAfterSeconds);
    const check = await this.checkKey(body, sentAs);
    if (!check.ok && check.reason !== 'user_disabled') {
      const over = await this.attempts.failed(attempt);
      if (over !== undefined) throw new TooManyAttemptsException(over.retryAfterSeconds);
    }
    if (!check.ok) {
      const detail = refusal(check.reason, body.key);
      const pointer = check.reason === 'username_mismatch' ? '#/username' : '#/key';
      throw new ProblemException(check.reason === 'user_disabled' ? 403 : 401, detail, {
        type: PROBLEM_TYPES.validation,
        title: 'Sign-in refused',
        errors: [{ pointer, detail }],
      });
    }
    // A session never outlives the key it was opened with.
    const opened = await this.sessions.open(
      { kind: 'key', keyHash: this.hasher.hash(body.key), sentAs },
      check.identity.expiresAt,
    );
    // The audit record names who signed in.
    request.user = check.identity;
    void reply.header(
      'set-cookie',
      sessionCookie(opened.id, opened.expiresAt - Date.now(), this.secure(request)),
    );
    void reply.header('cache-control', 'no-store');
    return this.describe(check.identity, opened.csrfToken, opened.expiresAt);
  }

  /** Who is signed in (after a reload), with the CSRF token again. */
  @Get()
  async current(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionDto> {
    void reply.header('cache-control', 'no-store');
    const found = await this.sessions.authenticate(request);
    if (found === undefined) throw new UnauthorizedException('Not signed in');
    return this.describe(
      found.identity,
      this.sessions.csrfToken(found.id),
      found.session.expiresAt,
    );
  }

  /** Signs out: ends the session on every instance and clears the cookie. */
  @Delete()
  @HttpCode(204)
  async signOut(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    void reply.header('set-cookie', clearedSessionCookie(this.secure(request)));
    try {
      const found = await this.sessions.authenticate(request);
      if (found !== undefined) await this.sessions.close(found.session.ref);
    } catch (error) {
      // A session that has already ended is signed out; a missing CSRF token is not.
      if (error instanceof ForbiddenException || error instanceof ServiceUnavailableException) {
        throw error;
      }
    }
  }

  private async checkKey(body: SignInDto, sentAs: SentAs): Promise<KeyCheck> {
    try {
      return sentAs.type === 'bearer'
        ? await this.authenticator.bearer(body.key)
        : await this.authenticator.basic(sentAs.username, body.key);
    } catch {
      throw new ServiceUnavailableException('Keys cannot be checked right now; try again shortly');
    }
  }

  private secure(request: FastifyRequest): boolean {
    return cameOverTls(request, this.settings.trustedProxies(), this.config.publicUrl);
  }

  private describe(identity: Identity, csrfToken: string, expiresAt: number): ConsoleSessionDto {
    return {
      username: identity.username,
      displayName: identity.displayName,
      groups: identity.groups,
      admin: isAdmin(identity.groups, this.config.adminGroup),
      selfServiceKeys: this.settings.current().allowSelfServiceKeys,
      checking: this.settings.current().enabled,
      maxKeyLifetime: this.settings.current().maxKeyLifetime,
      signInKeyId: identity.credential.kind === 'api_key' ? identity.credential.id : null,
      csrfToken,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }
}
