import { KnownKeyIds } from './keys/known-key-ids.js';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DataSource } from 'typeorm';
import { AuditController } from './audit/audit.controller.js';
import { AuditInterceptor } from './audit/audit.interceptor.js';
import { AuditService } from './audit/audit.service.js';
import { EnvoyGrpcServer } from './adapters/envoy-grpc/envoy-grpc.server.js';
import { IntrospectionController } from './adapters/introspection/introspection.controller.js';
import { EnvoyAuthzHandler } from './adapters/envoy-http/envoy-authz.handler.js';
import { ForwardAuthzHandler } from './adapters/forward/forward-authz.handler.js';
import { UntrustedForwarders } from './adapters/untrusted-forwarders.js';
import { DecisionsController } from './adapters/json/decisions.controller.js';
import { NginxAuthzHandler } from './adapters/nginx/nginx-authz.handler.js';
import { AdminGuard, DecisionClientGuard, KeyAuthGuard } from './auth/admin.guard.js';
import { BasicKeyStrategy, BearerKeyStrategy } from './auth/key-strategies.js';
import { SessionStrategy } from './auth/session-strategy.js';
import { ConsoleSessionController } from './console/console-session.controller.js';
import { ConsoleSessions } from './console/console-sessions.js';
import { ConsoleOAuthController } from './console/console-oauth.controller.js';
import { ConsoleOAuthSignIn } from './console/console-oauth-sign-in.js';
import { ProviderSessionCheck } from './console/provider-session-check.js';
import { ChangeFeed } from './cache/change-feed.js';
import { MessageBus, SharedStore } from './cache/shared-store.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import { AppConfig } from './config/app-config.js';
import { KeyHasher } from './crypto/key-hasher.js';
import { DecisionLog } from './decision/decision-log.js';
import { DecisionPipeline } from './decision/decision-pipeline.js';
import { PolicyEvaluator } from './core/policy-evaluator.js';
import { AccessPolicy } from './policies/access-policy.js';
import { PasswordBasicVerifier } from './decision/verifiers/password-basic.verifier.js';
import { AnonymousVerifier } from './decision/verifiers/anonymous.verifier.js';
import { ApiKeyBasicVerifier } from './decision/verifiers/api-key-basic.verifier.js';
import { ApiKeyBearerVerifier } from './decision/verifiers/api-key-bearer.verifier.js';
import { CREDENTIAL_VERIFIERS } from './core/credential-verifier.js';
import { DirectoryService } from './directory/directory.service.js';
import { GroupsController } from './directory/groups.controller.js';
import { UsersController } from './directory/users.controller.js';
import { HealthController } from './health/health.controller.js';
import { Metrics } from './metrics/metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { ShutdownState } from './health/shutdown-state.js';
import { IntrospectionClientsController } from './introspection/introspection-clients.controller.js';
import { IntrospectionClientsService } from './introspection/introspection-clients.service.js';
import { ApiKeyRepository } from './keys/api-key.repository.js';
import { ApiKeyAuthenticator } from './keys/api-key-authenticator.js';
import { CredentialInvalidator } from './keys/credential-invalidator.js';
import { KeyRecordCache } from './keys/key-record-cache.js';
import { KeyUsageRecorder } from './keys/key-usage-recorder.js';
import { KeysController } from './keys/keys.controller.js';
import { KeysService } from './keys/keys.service.js';
import { LOGGER } from './logging/logger.js';
import { KeyMailer } from './mail/key-mailer.js';
import { CallerAttempts } from './limits/caller-attempts.js';
import { FailedAttemptLimiter } from './limits/failed-attempt-limiter.js';
import { QuotaBuckets } from './limits/quota-buckets.js';
import { SharedCounters } from './limits/shared-counters.js';
import { MeController } from './me/me.controller.js';
import { OpenApiController, OpenApiDocumentHolder } from './openapi/openapi.controller.js';
import type { Runtime } from './runtime.js';
import { DefaultRuleController, RulesController } from './policies/rules/rules.controller.js';
import { RulesService } from './policies/rules/rules.service.js';
import { OutboundHttp } from './providers/outbound-http.js';
import { JwtVerifier } from './decision/verifiers/jwt.verifier.js';
import { IntrospectionVerifier } from './decision/verifiers/introspection.verifier.js';
import { UserinfoVerifier } from './decision/verifiers/userinfo.verifier.js';
import { OpaqueTokenChecker } from './providers/opaque-token-checker.js';
import { ProviderClient } from './providers/provider-client.js';
import { ProviderCircuits } from './providers/provider-circuits.js';
import { ProviderTokenCache } from './providers/provider-token-cache.js';
import { ProviderIdentity } from './providers/provider-identity.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { ProviderUserResolver } from './providers/provider-user-resolver.js';
import {
  ProviderCallbackController,
  ProviderTestController,
} from './providers/provider-test-flow.controller.js';
import { ProviderTestFlow } from './providers/provider-test-flow.js';
import { ProviderTokens } from './providers/provider-tokens.js';
import { ProvidersController } from './providers/providers.controller.js';
import { ProvidersService } from './providers/providers.service.js';
import { SecretBox } from './crypto/secret-box.js';
import { SettingsController } from './settings/settings.controller.js';
import { SettingsService } from './settings/settings.service.js';

/**
 * The application. The runtime (config, logger, database, cache) is opened before NestJS starts
 * and handed in, so the CLI, the service and the tests share one way of opening it.
 */
@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [
        HealthController,
        MetricsController,
        UsersController,
        GroupsController,
        KeysController,
        SettingsController,
        RulesController,
        DefaultRuleController,
        ProvidersController,
        ProviderTestController,
        ProviderCallbackController,
        DecisionsController,
        IntrospectionController,
        IntrospectionClientsController,
        OpenApiController,
        MeController,
        AuditController,
        ConsoleSessionController,
        ConsoleOAuthController,
      ],
      providers: [
        { provide: AppConfig, useValue: runtime.config },
        { provide: LOGGER, useValue: runtime.logger },
        { provide: DataSource, useValue: runtime.dataSource },
        { provide: KeyHasher, useValue: runtime.hasher },
        { provide: SecretBox, useValue: runtime.secrets },
        {
          provide: OutboundHttp,
          useValue: new OutboundHttp({
            allowedHosts: runtime.config.outboundAllowedHosts,
            timeoutMs: runtime.config.outboundTimeoutMs,
            maxBytes: 1024 * 1024,
          }),
        },
        { provide: SharedStore, useValue: runtime.store },
        { provide: MessageBus, useValue: runtime.bus },
        { provide: SharedCounters, useValue: runtime.counters },
        {
          provide: APP_FILTER,
          useFactory: () => new ProblemDetailsFilter(runtime.logger, runtime.config.realm),
        },
        Metrics,
        FailedAttemptLimiter,
        CallerAttempts,
        QuotaBuckets,
        ChangeFeed,
        ShutdownState,
        SettingsService,
        RulesService,
        ProvidersService,
        ProviderRegistry,
        ProviderUserResolver,
        ProviderIdentity,
        ProviderClient,
        ProviderCircuits,
        ProviderTokenCache,
        OpaqueTokenChecker,
        ProviderTestFlow,
        ProviderTokens,
        DirectoryService,
        ApiKeyRepository,
        KeysService,
        KnownKeyIds,
        KeyRecordCache,
        ApiKeyAuthenticator,
        CredentialInvalidator,
        KeyUsageRecorder,
        BearerKeyStrategy,
        BasicKeyStrategy,
        ConsoleSessions,
        ConsoleOAuthSignIn,
        ProviderSessionCheck,
        SessionStrategy,
        KeyAuthGuard,
        AdminGuard,
        DecisionClientGuard,
        // The decision pipeline. Verifiers are tried in this order; the first that claims a
        // credential decides what it proves.
        ApiKeyBearerVerifier,
        ApiKeyBasicVerifier,
        PasswordBasicVerifier,
        JwtVerifier,
        IntrospectionVerifier,
        UserinfoVerifier,
        AnonymousVerifier,
        {
          provide: CREDENTIAL_VERIFIERS,
          useFactory: (...verifiers: unknown[]) => verifiers,
          inject: [
            ApiKeyBearerVerifier,
            ApiKeyBasicVerifier,
            PasswordBasicVerifier,
            JwtVerifier,
            IntrospectionVerifier,
            UserinfoVerifier,
            AnonymousVerifier,
          ],
        },
        { provide: PolicyEvaluator, useClass: AccessPolicy },
        DecisionLog,
        DecisionPipeline,
        EnvoyGrpcServer,
        NginxAuthzHandler,
        ForwardAuthzHandler,
        UntrustedForwarders,
        EnvoyAuthzHandler,
        IntrospectionClientsService,
        OpenApiDocumentHolder,
        AuditService,
        KeyMailer,
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      ],
    };
  }
}
