// Checks real API responses against the service's own /openapi.json: the answer's status must be
// documented for the operation, and its body must validate against the documented schema (Ajv, JSON
// Schema 2020-12, with formats). A mismatch fails with the operation, the status, what is wrong where,
// and the start of the body.
import type { Express } from 'express';
import request from 'supertest';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

type Doc = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>> };
type Answer = { status: number; body: unknown; text?: string; headers: Record<string, string>; req?: { method?: string; path?: string } };

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export interface ContractCheck {
  /** Throws (with a readable message) unless `res` is an answer /openapi.json documents for `method path`. */
  (res: Answer, method?: string, path?: string): void;
  /** The operations checked so far, as "METHOD /template STATUS". */
  readonly seen: Set<string>;
  /** Compiles every request, parameter and response schema of the document (each $ref must resolve); their count. */
  compileAll(): number;
}

export async function contractOf(app: Express): Promise<ContractCheck> {
  const doc = (await request(app).get('/openapi.json')).body as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  // Literal paths before templated ones ('/v1/refunds' before '/v1/refunds/{id}'); matched as Express routes
  // them: case-insensitive, with or without a trailing slash.
  const templates = Object.keys(doc.paths)
    .map((t) => ({
      t,
      re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`, 'i'),
      params: (t.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  const validators = new Map<string, ValidateFunction>();
  const seen = new Set<string>();

  const check = (res: Answer, method = res.req?.method, path = res.req?.path) => {
    if (!method || !path) throw new Error('contract check: the request method and path are unknown');
    const m = method.toLowerCase();
    const url = path.split('?')[0]!;
    const template = templates.find((x) => x.re.test(url) && doc.paths[x.t]?.[m])?.t;
    const where = `${method.toUpperCase()} ${url}`;
    if (!template) {
      // An unknown route is a 404 problem like any other.
      if (res.status !== 404) throw new Error(`contract: ${where} is not in /openapi.json (answered ${res.status})`);
      return validateAgainst('components/schemas/Problem', `${where} 404`, res.body);
    }
    const op = `${method.toUpperCase()} ${template}`;
    const documented = doc.paths[template]![m]!.responses ?? {};
    const answer = documented[String(res.status)];
    if (!answer)
      throw new Error(`contract: ${op} answered ${res.status}, which /openapi.json does not document (documented: ${Object.keys(documented).join(', ')})`);
    seen.add(`${op} ${res.status}`);
    const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!answer.content || res.status === 204) return;
    const media = answer.content[type];
    if (!media)
      throw new Error(`contract: ${op} ${res.status} answered ${type || 'no content type'}; /openapi.json documents ${Object.keys(answer.content).join(', ')}`);
    if (!media.schema || type.startsWith('text/')) return;
    validateAgainst(pointer('paths', template, m, 'responses', String(res.status), 'content', type, 'schema'), `${op} ${res.status}`, res.body);
  };

  function validateAgainst(key: string, what: string, body: unknown) {
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi.json#/${key}` });
      validators.set(key, validate);
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .map((e) => `  ${e.instancePath || '(body)'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
        .join('\n');
      throw new Error(`contract: ${what} does not match /openapi.json:\n${errors}\nbody: ${JSON.stringify(body).slice(0, 600)}`);
    }
  }
  const compileAll = () => {
    let n = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, Record<string, unknown>>)) {
        const at = (...rest: string[]) => `openapi.json#/${pointer('paths', template, method, ...rest)}`;
        const params = (op.parameters ?? []) as unknown[];
        params.forEach((_, i) => (ajv.compile({ $ref: at('parameters', String(i), 'schema') }), n++));
        const body = op.requestBody as { content?: Record<string, { schema?: object }> } | undefined;
        for (const [type, media] of Object.entries(body?.content ?? {}))
          if (media.schema) (ajv.compile({ $ref: at('requestBody', 'content', type, 'schema') }), n++);
        for (const [status, answer] of Object.entries((op.responses ?? {}) as Record<string, { content?: Record<string, { schema?: object }> }>)) {
          for (const [type, media] of Object.entries(answer.content ?? {}))
            if (media.schema) (ajv.compile({ $ref: at('responses', status, 'content', type, 'schema') }), n++);
        }
      }
    }
    return n;
  };
  return Object.assign(check, { seen, compileAll }) as ContractCheck;
}
