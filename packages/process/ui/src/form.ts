import { h } from './dom.ts';
import { json } from './format.ts';
import type { JsonSchema } from './types.ts';

/** A value in the run form that cannot be sent; the message names the field. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** A run form: its element, and the input it currently describes (throws a readable message when invalid). */
export interface InputForm {
  element: HTMLElement;
  read(): unknown;
}

function typeOf(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type) return type;
  if (schema.properties) return 'object';
  return 'json';
}

interface Field {
  element: HTMLElement;
  /** The value, `undefined` for an empty optional field. */
  read(): unknown;
}

function field(name: string, schema: JsonSchema, required: boolean): Field {
  const id = `input-${name}`;
  const type = typeOf(schema);
  const label = h(
    'label',
    { for: id },
    schema.title ?? name,
    required ? h('span', { class: 'required', title: 'required' }, ' *') : null,
  );
  const hint = schema.description ? h('small', { class: 'hint' }, schema.description) : null;
  let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: () => unknown;
  if (schema.enum) {
    const select = h('select', { id, name });
    if (!required) select.append(h('option', { value: '' }, '—'));
    schema.enum.forEach((value, i) => {
      select.append(h('option', { value: i, selected: value === schema.default }, String(value)));
    });
    control = select;
    read = () => (select.value === '' ? undefined : schema.enum?.[Number(select.value)]);
  } else if (type === 'boolean') {
    const box = h('input', { id, name, type: 'checkbox', checked: schema.default === true });
    control = box;
    read = () => box.checked;
  } else if (type === 'number' || type === 'integer') {
    const input = h('input', {
      id,
      name,
      type: 'number',
      step: type === 'integer' ? 1 : 'any',
      min: schema.minimum,
      max: schema.maximum,
      value: typeof schema.default === 'number' ? schema.default : undefined,
      required,
    });
    control = input;
    read = () => (input.value === '' ? undefined : Number(input.value));
  } else if (type === 'string') {
    const input = h('input', {
      id,
      name,
      type: 'text',
      value: typeof schema.default === 'string' ? schema.default : undefined,
      required,
    });
    control = input;
    read = () => (input.value === '' && !required ? undefined : input.value);
  } else {
    const area = h('textarea', {
      id,
      name,
      rows: 3,
      spellcheck: 'false',
      class: 'code',
      placeholder: `JSON ${type === 'json' ? 'value' : type}`,
    });
    area.value = schema.default === undefined ? '' : json(schema.default);
    control = area;
    read = () => {
      if (area.value.trim() === '') return undefined;
      try {
        return JSON.parse(area.value);
      } catch {
        throw new InputError(`${name}: not valid JSON`);
      }
    };
  }
  const element = h('div', { class: `field field-${type}` }, label, control, hint);
  return { element, read };
}

/** A JSON editor for inputs whose schema is not an object with properties (or absent). */
function jsonEditor(schema: JsonSchema | null): InputForm {
  const area = h('textarea', {
    id: 'input-json',
    name: 'input',
    rows: 8,
    spellcheck: 'false',
    class: 'code',
  });
  area.value = json(schema?.default ?? {});
  const element = h('div', { class: 'field' }, h('label', { for: 'input-json' }, 'Input (JSON)'), area);
  return {
    element,
    read: () => {
      try {
        return JSON.parse(area.value);
      } catch {
        throw new InputError('input: not valid JSON');
      }
    },
  };
}

/** Builds the run form of a workflow from the JSON Schema of its input. */
export function buildInputForm(schema: JsonSchema | null): InputForm {
  if (!schema || typeOf(schema) !== 'object' || !schema.properties) return jsonEditor(schema);
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties).map(
    ([name, property]) => [name, field(name, property, required.has(name))] as const,
  );
  const element = h('div', { class: 'fields' }, ...fields.map(([, f]) => f.element));
  return {
    element,
    read: () => {
      const input: Record<string, unknown> = {};
      for (const [name, f] of fields) {
        const value = f.read();
        if (value !== undefined) input[name] = value;
        else if (required.has(name)) throw new InputError(`${name} is required`);
      }
      return input;
    },
  };
}
