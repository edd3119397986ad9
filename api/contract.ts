// Building /openapi.json from the zod schemas the API already has: request schemas from the validators
// (api/routes/*/validators.ts, read as input), response schemas from the views (api/views/*, read as
// output). Named components go in a registry; every schema that reaches one by reference gets a $ref.
import { z } from 'zod';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Drops what zod writes that says nothing to a reader: safe-integer bounds, patterns beside a format, ids. */
function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$schema') continue;
    if (k === 'id' && typeof v === 'string') continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    if (k === 'pattern' && typeof (node as Json).format === 'string') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : clean(v);
  }
  return out;
}

export class Contract {
  private readonly registry = z.registry<{ id: string }>();
  readonly schemas: Record<string, unknown> = {};

  /** Names `schema` as a component: responses that use it refer to it. */
  component<S extends z.ZodType>(id: string, schema: S): S {
    this.registry.add(schema, { id });
    return schema;
  }

  /** The JSON Schema of `schema` as a request (input) or a response (output). */
  json(schema: z.ZodType, io: Io = 'output'): Json {
    const named = this.registry.get(schema);
    if (named && io === 'output') {
      this.schemas[named.id] ??= this.convert(schema, io);
      return { $ref: `#/components/schemas/${named.id}` };
    }
    return this.convert(schema, io);
  }

  private convert(schema: z.ZodType, io: Io): Json {
    // Input schemas carry no components (a transform's input is not its view), so nothing is shared.
    const json = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      target: 'draft-2020-12',
      ...(io === 'output' ? { metadata: this.registry } : {}),
    }) as Json;
    const { $defs, ...rest } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Json)) this.schemas[id] ??= clean(def);
    return clean(rest) as Json;
  }

  /** OpenAPI parameters from a zod object's fields (`in`: path or query). */
  parameters(where: 'path' | 'query', shape: z.ZodObject): Json[] {
    return Object.entries(shape.shape).map(([name, field]) => {
      const f = field as z.ZodType;
      return { name, in: where, required: where === 'path' || !f.safeParse(undefined).success, schema: this.json(f, 'input') };
    });
  }
}
