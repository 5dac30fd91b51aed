import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A client registered to call RFC 7662 introspection with HTTP Basic client_id:secret. */
@Entity({ name: 'introspection_clients' })
export class IntrospectionClient {
  @PrimaryColumn('uuid')
  id: string;

  @Index('introspection_clients_client_id_key', { unique: true })
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** HMAC-SHA-256 of the secret under the server secret; the secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'char', length: 64 })
  secretHash: string;

  @Column({ name: 'created_by_id', type: 'uuid', nullable: true })
  createdById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
