import { Type } from '@sinclair/typebox';
import { getField, setField } from '../fields.js';
import { inputsDescription, type TransformFactory } from './transform.js';

export const redact: TransformFactory<{ fields: string[]; patterns: string[]; replacement: string }> = {
  type: 'redact',
  schema: Type.Object(
    {
      type: Type.Literal('redact', { description: 'Masks whatever matches the patterns in string fields.' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: inputsDescription }),
      fields: Type.Array(Type.String(), { default: ['message'], description: 'Fields (dotted paths) to mask in.' }),
      patterns: Type.Array(Type.String({ format: 'regex' }), {
        minItems: 1,
        description: 'JavaScript regular expressions; every match is replaced.',
      }),
      replacement: Type.String({ default: '[REDACTED]', description: 'What each match becomes.' }),
    },
    { additionalProperties: false },
  ),
  create({ fields, patterns, replacement }) {
    const res = patterns.map((p) => new RegExp(p, 'g'));
    return (event) => {
      let out = event;
      for (const f of fields) {
        const v = getField(out, f);
        if (typeof v !== 'string') continue;
        let masked = v;
        for (const re of res) masked = masked.replace(re, replacement);
        if (masked === v) continue;
        if (out === event) out = { ...event };
        setField(out, f, masked);
      }
      return out;
    };
  },
};
