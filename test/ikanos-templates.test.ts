import { describe, expect, it } from 'vitest';
import { mapField, pathProblem, select, shapeAnswer } from '../src/engine/mapping.js';
import { renderJsonBody } from '../src/engine/template.js';

// The two small languages an Ikanos file writes in: JSONPath mappings (a documented subset) and
// Mustache JSON bodies.

describe('JSONPath mappings', () => {
  it('select names, indexes and quoted names; own fields only', () => {
    const answer = { a: { b: [{ c: 1 }, { c: 2 }] }, 'odd name': 'x' };
    expect(select(answer, '$')).toBe(answer);
    expect(select(answer, '$.')).toBe(answer);
    expect(select(answer, '$.a.b[1].c')).toBe(2);
    expect(select(answer, "$['odd name']")).toBe('x');
    expect(select(answer, '$.a.missing.deeper')).toBeUndefined();
    expect(select({}, '$.__proto__')).toBeUndefined();
    expect(select({}, '$.constructor')).toBeUndefined();
  });

  it.each(['$.a[*]', '$..a', '$.a[?(@.b)]', 'a.b', '$.a.', '$[-1]'])('refuses %s when loading', (path) => {
    expect(pathProblem(path)).toMatch(/not a supported JSONPath/);
  });

  it('map nested objects: a field with a mapping is read relative to its object, one without groups fields of its parent', () => {
    const field = {
      type: 'object' as const,
      properties: {
        id: { type: 'string' as const, mapping: '$.voyage_id', required: false, nullable: false },
        route: { type: 'object' as const, required: false, nullable: false, properties: { from: { type: 'string' as const, mapping: '$.from', required: false, nullable: false } } },
        ids: { type: 'array' as const, mapping: '$.crew', required: false, nullable: false, items: { type: 'string' as const, mapping: '$.id', required: false, nullable: false } },
      },
      required: false,
      nullable: false,
    };
    expect(mapField(field, { voyage_id: 'v1', from: 'Oslo', crew: [{ id: 'c1' }, { id: 'c2' }], secret_field: 'not passed' })).toEqual({ id: 'v1', route: { from: 'Oslo' }, ids: ['c1', 'c2'] });
  });

  it('give a list one shape, and refuse an answer that is not what the output says', () => {
    const output = { name: 'items', type: 'array' as const, value: '$.items' };
    expect(shapeAnswer(output, { items: [1, 2] })).toEqual({ data: [1, 2], total_count: 2 });
    expect(() => shapeAnswer(output, { items: 'no' })).toThrow('expected a list at $.items');
  });
});

describe('JSON body templates', () => {
  const template = '{ "name": "{{name}}", "note": "id-{{n}}", "tags": {{tags}}, "count": {{n}}, "missing": {{nothing}} }';

  it('put strings inside their quotes escaped, other values as JSON, a missing one as null', () => {
    expect(renderJsonBody(template, { name: 'Ann "A" \\ \n', n: 3, tags: ['a', 'b'] })).toEqual({ name: 'Ann "A" \\ \n', note: 'id-3', tags: ['a', 'b'], count: 3, missing: null });
  });

  it('keep an argument inside its place, whatever it holds', () => {
    const body = renderJsonBody(template, { name: '", "admin": true, "x": "', n: 1, tags: [] }) as Record<string, unknown>;
    expect(body.name).toBe('", "admin": true, "x": "');
    expect(body).not.toHaveProperty('admin');
    // Outside a string, an argument is one JSON value: a string there cannot add keys either.
    const outside = renderJsonBody('{ "count": {{n}} }', { n: '1, "admin": true' }) as Record<string, unknown>;
    expect(outside).toEqual({ count: '1, "admin": true' });
  });
});
