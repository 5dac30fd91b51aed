import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './config-reference.js';

/** `npm run docs:config`: writes docs/configuration.md from src/config/env-variables.ts. */
const OUTPUT = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

writeFileSync(OUTPUT, renderConfigReference());
console.log(`Wrote ${OUTPUT}`);
