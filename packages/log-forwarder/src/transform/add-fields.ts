import { Type } from '@sinclair/typebox';
import { getField, setField } from '../fields.js';
import { inputsDescription, type TransformFactory } from './transform.js';

export const addFields: TransformFactory<{ fields: Record<string, string>; overwrite: boolean }> = {
  type: 'add_fields',
  schema: Type.Object(
    {
      type: Type.Literal('add_fields', {
        description: 'Adds fixed fields (use ${VAR} for the pod metadata the Downward API puts in the environment).',
      }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: inputsDescription }),
      fields: Type.Record(Type.String(), Type.String(), { description: 'Field (dotted path) → value.' }),
      overwrite: Type.Boolean({ default: true, description: 'Replace a field the event already has.' }),
    },
    { additionalProperties: false },
  ),
  create({ fields, overwrite }) {
    const entries = Object.entries(fields);
    return (event) => {
      const out = { ...event };
      for (const [k, v] of entries) {
        if (!overwrite && getField(out, k) !== undefined) continue;
        setField(out, k, v);
      }
      return out;
    };
  },
};
