import type { DataSource } from 'typeorm';
import type { SecretBox } from '../crypto/secret-box.js';

/**
 * While the server secret is rotated: seals again, under the new secret, every provider client
 * secret still sealed under the previous one, so the previous secret can be dropped later. Returns
 * how many it sealed again. Safe on several instances at once (each row changes only once).
 */
export async function resealClientSecrets(
  dataSource: DataSource,
  secrets: SecretBox,
): Promise<number> {
  const rows: { id: string; sealed: string }[] = await dataSource.query(
    'SELECT id, client_secret_sealed AS sealed FROM providers WHERE client_secret_sealed IS NOT NULL',
  );
  let resealed = 0;
  for (const { id, sealed } of rows) {
    if (!secrets.sealedUnderPrevious(sealed, id)) continue;
    await dataSource.query(
      'UPDATE providers SET client_secret_sealed = $2 WHERE id = $1 AND client_secret_sealed = $3',
      [id, secrets.seal(secrets.open(sealed, id), id), sealed],
    );
    resealed++;
  }
  return resealed;
}
