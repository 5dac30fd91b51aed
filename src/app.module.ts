import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DataSource } from 'typeorm';
import { AdminGuard, KeyAuthGuard } from './auth/admin.guard.js';
import { BasicKeyStrategy, BearerKeyStrategy } from './auth/key-strategies.js';
import { ChangeFeed } from './cache/change-feed.js';
import { MessageBus, SharedStore } from './cache/shared-store.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import { AppConfig } from './config/app-config.js';
import { KeyHasher } from './crypto/key-hasher.js';
import { DirectoryService } from './directory/directory.service.js';
import { GroupsController } from './directory/groups.controller.js';
import { UsersController } from './directory/users.controller.js';
import { HealthController } from './health/health.controller.js';
import { ApiKeyAuthenticator } from './keys/api-key-authenticator.js';
import { ApiKeyRepository } from './keys/api-key.repository.js';
import { KeysController } from './keys/keys.controller.js';
import { KeysService } from './keys/keys.service.js';
import { LOGGER } from './logging/logger.js';
import type { Runtime } from './runtime.js';
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
        UsersController,
        GroupsController,
        KeysController,
        SettingsController,
      ],
      providers: [
        { provide: AppConfig, useValue: runtime.config },
        { provide: LOGGER, useValue: runtime.logger },
        { provide: DataSource, useValue: runtime.dataSource },
        { provide: KeyHasher, useValue: runtime.hasher },
        { provide: SharedStore, useValue: runtime.store },
        { provide: MessageBus, useValue: runtime.bus },
        {
          provide: APP_FILTER,
          useFactory: () => new ProblemDetailsFilter(runtime.logger),
        },
        ChangeFeed,
        SettingsService,
        DirectoryService,
        ApiKeyRepository,
        ApiKeyAuthenticator,
        KeysService,
        BearerKeyStrategy,
        BasicKeyStrategy,
        KeyAuthGuard,
        AdminGuard,
      ],
    };
  }
}
