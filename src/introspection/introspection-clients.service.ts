import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PageQueryDto } from '../common/pagination.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import { IntrospectionClient } from './introspection-client.entity.js';
import type {
  CreatedIntrospectionClientDto,
  CreateIntrospectionClientDto,
  IntrospectionClientDto,
  IntrospectionClientPageDto,
} from './introspection-clients.dto.js';

const SECRET_PREFIX = 'pcs_';

/** Clients allowed to call introspection with client_id and secret (RFC 7662 §2.1). */
@Injectable()
export class IntrospectionClientsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: KeyHasher,
  ) {}

  async create(
    input: CreateIntrospectionClientDto,
    createdById: string,
  ): Promise<CreatedIntrospectionClientDto> {
    const clientId = input.clientId ?? `client-${randomBytes(6).toString('hex')}`;
    const repository = this.dataSource.getRepository(IntrospectionClient);
    if (await repository.existsBy({ clientId })) {
      throw new ConflictException(`The client_id "${clientId}" is taken`);
    }
    const clientSecret = SECRET_PREFIX + randomBytes(30).toString('base64url');
    const client = repository.create({
      id: randomUUID(),
      clientId,
      name: input.name,
      secretHash: this.hasher.hash(clientSecret),
      createdById,
    });
    await repository.insert(client);
    return { ...toDto(await repository.findOneByOrFail({ id: client.id })), clientSecret };
  }

  async list(page: PageQueryDto): Promise<IntrospectionClientPageDto> {
    const [clients, total] = await this.dataSource.getRepository(IntrospectionClient).findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items: clients.map(toDto), total, limit: page.limit, offset: page.offset };
  }

  async get(id: string): Promise<IntrospectionClientDto> {
    const client = await this.dataSource.getRepository(IntrospectionClient).findOneBy({ id });
    if (!client) throw new NotFoundException(`No introspection client with id ${id}`);
    return toDto(client);
  }

  async delete(id: string): Promise<void> {
    const result = await this.dataSource.getRepository(IntrospectionClient).delete({ id });
    if (!result.affected) throw new NotFoundException(`No introspection client with id ${id}`);
  }

  /** True when clientId names a registered client and secret is its secret. */
  async verify(clientId: string, secret: string): Promise<boolean> {
    if (clientId.length > 64 || secret.length > 256) return false;
    const client = await this.dataSource.getRepository(IntrospectionClient).findOneBy({ clientId });
    const hash = this.hasher.hash(secret);
    // Compare even when the client is unknown, so timing does not tell which client ids exist.
    const stored = Buffer.from(client?.secretHash ?? '0'.repeat(64), 'hex');
    if (timingSafeEqual(Buffer.from(hash, 'hex'), stored)) return client !== null;
    // While the server secret is rotated, a secret stored under the previous one is stored again.
    const previousHash = this.hasher.previousHash(secret);
    if (client === null || previousHash === undefined) return false;
    if (!timingSafeEqual(Buffer.from(previousHash, 'hex'), stored)) return false;
    await this.dataSource
      .getRepository(IntrospectionClient)
      .update({ id: client.id, secretHash: client.secretHash }, { secretHash: hash });
    return true;
  }
}

function toDto(client: IntrospectionClient): IntrospectionClientDto {
  return {
    id: client.id,
    clientId: client.clientId,
    name: client.name,
    createdById: client.createdById,
    createdAt: client.createdAt.toISOString(),
  };
}
