import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { UntrustedForwarders } from '../adapters/untrusted-forwarders.js';
import { SharedStore } from '../cache/shared-store.js';
import { SettingsService } from '../settings/settings.service.js';
import { ShutdownState } from './shutdown-state.js';

export class CheckDto {
  @ApiProperty({ enum: ['ok', 'failing'] })
  status: 'ok' | 'failing';
  @ApiProperty({ required: false })
  detail?: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'failing'] })
  status: 'ok' | 'failing';
  @ApiProperty({ type: Object, additionalProperties: { $ref: '#/components/schemas/CheckDto' } })
  checks: Record<string, CheckDto>;
  @ApiProperty({
    type: [String],
    description: 'What an operator must know, such as the service being switched off',
  })
  warnings: string[];
}

const CHECK_TIMEOUT_MS = 2000;

@Controller()
@ApiTags('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: SharedStore,
    private readonly settings: SettingsService,
    private readonly shutdown: ShutdownState,
    private readonly untrustedForwarders: UntrustedForwarders,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: CheckDto })
  live(): CheckDto {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({
    summary: 'Readiness: the database and the cache answer, and the instance is not shutting down',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const [database, cache] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.store.ping()),
    ]);
    const checks: Record<string, CheckDto> = { database, cache };
    if (this.shutdown.stopping) checks.shutdown = { status: 'failing', detail: 'shutting down' };
    const status = Object.values(checks).every((c) => c.status === 'ok') ? 'ok' : 'failing';
    if (status !== 'ok') void reply.status(503);
    const warnings = [
      ...this.settings.warnings(),
      ...this.untrustedForwarders.warnings(this.settings.trustedProxies()),
    ];
    return { status, checks, warnings };
  }
}

async function check(probe: () => Promise<unknown>): Promise<CheckDto> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([probe(), timeout]);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'failing', detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
