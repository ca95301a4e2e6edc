import { Type } from '@sinclair/typebox';
import { deleteField, getField, setField } from '../fields.js';
import { inputsDescription, type TransformFactory } from './transform.js';

export const rename: TransformFactory<{ fields: Record<string, string> }> = {
  type: 'rename',
  schema: Type.Object(
    {
      type: Type.Literal('rename', { description: 'Renames fields.' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: inputsDescription }),
      fields: Type.Record(Type.String(), Type.String(), { description: 'Old field (dotted path) → new field.' }),
    },
    { additionalProperties: false },
  ),
  create({ fields }) {
    const entries = Object.entries(fields);
    return (event) => {
      let out = event;
      for (const [from, to] of entries) {
        const v = getField(out, from);
        if (v === undefined) continue;
        if (out === event) out = { ...event };
        deleteField(out, from);
        setField(out, to, v);
      }
      if (typeof out.message !== 'string') out.message = '';
      return out;
    };
  },
};
