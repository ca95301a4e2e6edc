/** The published JSON Schema of a sidecar's config (editor completion via yaml-language-server). */
import { configSchema } from './config/load.js';
import type { ConfigDefinition } from './sidecar.js';

export function jsonSchema(definition: ConfigDefinition): Record<string, unknown> {
  // TypeBox schemas are JSON Schema plus symbol-keyed metadata, which JSON drops.
  const schema = JSON.parse(JSON.stringify(configSchema(definition))) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...schema,
  };
}
