import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.js';
import { loadConfig } from '../config/app-config.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime } from '../runtime.js';
import { buildOpenApiDocument, toYaml } from './openapi-document.js';

/**
 * `npm run openapi`: writes openapi.yaml at the repository root from the code. The application is
 * built on an in-memory embedded database and initialised, never listening (HTTP or gRPC).
 */
const OUTPUT = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

async function main(): Promise<void> {
  const config = loadConfig({
    DATA_DIR: 'memory://',
    PORTCULLIS_SECRET: 'openapi-generation-only-0123456789abcdef',
    LOG_LEVEL: 'silent',
    GRPC_PORT: 'off',
  });
  const runtime = await openRuntime(config, createLogger(config));
  try {
    const app = await createApp(runtime);
    try {
      writeFileSync(OUTPUT, toYaml(buildOpenApiDocument(app)));
    } finally {
      await app.close();
    }
  } finally {
    await runtime.close();
  }
  console.log(`Wrote ${OUTPUT}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
