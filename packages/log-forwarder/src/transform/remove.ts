import { Type } from '@sinclair/typebox';
import { deleteField, getField } from '../fields.js';
import { inputsDescription, type TransformFactory } from './transform.js';

const KEEP = new Set(['message', 'timestamp', 'file']);

export const remove: TransformFactory<{ fields: string[] }> = {
  type: 'remove',
  schema: Type.Object(
    {
      type: Type.Literal('remove', { description: 'Removes fields (message, timestamp and file are always kept).' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: inputsDescription }),
      fields: Type.Array(Type.String(), { minItems: 1, description: 'Fields (dotted paths) to remove.' }),
    },
    { additionalProperties: false },
  ),
  create({ fields }) {
    const list = fields.filter((f) => !KEEP.has(f));
    return (event) => {
      let out = event;
      for (const f of list) {
        if (getField(out, f) === undefined) continue;
        if (out === event) out = { ...event };
        deleteField(out, f);
      }
      return out;
    };
  },
};
