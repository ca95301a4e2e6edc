import { Type } from '@sinclair/typebox';
import { fieldText, getField } from '../fields.js';
import { inputsDescription, type TransformFactory } from './transform.js';

export const filter: TransformFactory<{ field: string; pattern: string; action: 'keep' | 'drop' }> = {
  type: 'filter',
  schema: Type.Object(
    {
      type: Type.Literal('filter', { description: 'Keeps or drops events by a regular expression on a field.' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: inputsDescription }),
      field: Type.String({ default: 'message', description: 'Field (dotted path) to test; a missing field is "".' }),
      pattern: Type.String({ format: 'regex', description: 'JavaScript regular expression.' }),
      action: Type.Union([Type.Literal('keep'), Type.Literal('drop')], {
        default: 'keep',
        description: '`keep`: only matching events pass. `drop`: matching events are dropped (counted).',
      }),
    },
    { additionalProperties: false },
  ),
  create({ field, pattern, action }) {
    const re = new RegExp(pattern);
    const keep = action === 'keep';
    return (event) => (re.test(fieldText(getField(event, field))) === keep ? event : null);
  },
};
