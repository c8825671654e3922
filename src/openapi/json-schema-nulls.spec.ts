import { withJsonSchemaNulls } from './json-schema-nulls';

describe(withJsonSchemaNulls.name, () => {
  it('writes a nullable type the 3.1 way, with null in its enum', () => {
    expect(
      withJsonSchemaNulls({
        properties: {
          ip: { type: 'string', nullable: true, description: 'd' },
          tier: { type: 'integer', enum: [1, 2], nullable: true },
          id: { type: 'integer', nullable: false },
        },
      }),
    ).toEqual({
      properties: {
        ip: { type: ['string', 'null'], description: 'd' },
        tier: { type: ['integer', 'null'], enum: [1, 2, null] },
        id: { type: 'integer' },
      },
    });
  });

  it('wraps a nullable reference or composition in anyOf with null', () => {
    expect(
      withJsonSchemaNulls({
        type: 'object',
        nullable: true,
        description: 'a page',
        allOf: [{ $ref: '#/components/schemas/Page' }],
      }),
    ).toEqual({
      description: 'a page',
      anyOf: [
        { allOf: [{ $ref: '#/components/schemas/Page' }] },
        { type: 'null' },
      ],
    });
  });

  it('leaves a property named nullable, and the input, alone', () => {
    const input = {
      properties: { nullable: { type: 'boolean' } },
      items: [{ type: 'string', nullable: true }],
    };
    const copy = structuredClone(input);
    expect(withJsonSchemaNulls(input)).toEqual({
      properties: { nullable: { type: 'boolean' } },
      items: [{ type: ['string', 'null'] }],
    });
    expect(input).toEqual(copy);
  });
});
