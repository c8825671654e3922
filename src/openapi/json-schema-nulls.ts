type Json = unknown;
type Node = Record<string, unknown>;

const COMPOSITIONS = ['$ref', 'allOf', 'oneOf', 'anyOf'];

/**
 * @nestjs/swagger (11 and 12) writes OpenAPI 3.0 schemas, whose `nullable: true`
 * OpenAPI 3.1 (JSON Schema 2020-12) no longer has. Rewrites every such
 * schema the 3.1 way: `type: ['string', 'null']` (with null added to an
 * enum), or `anyOf: [<schema>, {type: 'null'}]` around a reference or a
 * composition, whose own type cannot say it. Returns a new document.
 */
export function withJsonSchemaNulls<T>(document: T): T {
  return rewrite(document) as T;
}

function rewrite(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewrite);
  if (value === null || typeof value !== 'object') return value;
  const node: Node = {};
  for (const [key, child] of Object.entries(value)) node[key] = rewrite(child);
  // Only a schema has a boolean `nullable`; a property *named* nullable is an object.
  if (typeof node.nullable !== 'boolean') return node;
  const { nullable, ...schema } = node;
  if (!nullable) return schema;
  if (COMPOSITIONS.some((key) => key in schema)) {
    const { description, type: _type, ...inner } = schema;
    return {
      ...(description === undefined ? {} : { description }),
      anyOf: [inner, { type: 'null' }],
    };
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.type === undefined)
    throw new Error(`nullable schema without a type: ${JSON.stringify(node)}`);
  return {
    ...schema,
    type: types.includes('null') ? types : [...types, 'null'],
    ...(Array.isArray(schema.enum) && !schema.enum.includes(null)
      ? { enum: [...(schema.enum as Json[]), null] }
      : {}),
  };
}
