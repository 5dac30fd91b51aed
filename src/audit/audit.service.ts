import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { AuditEvent } from './audit-event.entity.js';
import type { AuditEventDto, AuditPageDto, ListAuditQueryDto } from './audit.dto.js';

export interface NewAuditEvent {
  actorUserId: string | null;
  actorUsername: string | null;
  actorKeyId: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** The audit trail: every change made through the API, listable by admins. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    event: NewAuditEvent,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    // TypeORM's insert type cannot express a free-form jsonb column.
    await manager.insert(AuditEvent, {
      id: randomUUID(),
      ...event,
    } as QueryDeepPartialEntity<AuditEvent>);
  }

  async list(query: ListAuditQueryDto): Promise<AuditPageDto> {
    const qb = this.dataSource.getRepository(AuditEvent).createQueryBuilder('e');
    if (query.actor !== undefined)
      qb.andWhere('lower(e.actor_username) = lower(:actor)', { actor: query.actor });
    if (query.action !== undefined) {
      if (query.action.endsWith('.'))
        qb.andWhere('e.action LIKE :prefix', { prefix: `${query.action}%` });
      else qb.andWhere('e.action = :action', { action: query.action });
    }
    if (query.target !== undefined) qb.andWhere('e.target_id = :target', { target: query.target });
    if (query.since !== undefined) qb.andWhere('e.at >= :since', { since: new Date(query.since) });
    if (query.until !== undefined) qb.andWhere('e.at < :until', { until: new Date(query.until) });
    const [events, total] = await qb
      .orderBy('e.at', 'DESC')
      .addOrderBy('e.id')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
    return { items: events.map(toDto), total, limit: query.limit, offset: query.offset };
  }
}

function toDto(event: AuditEvent): AuditEventDto {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actorUsername: event.actorUsername,
    actorUserId: event.actorUserId,
    actorKeyId: event.actorKeyId,
    action: event.action,
    targetId: event.targetId,
    ip: event.ip,
    details: event.details,
  };
}
