import type { z } from 'zod';
import { zodProblem } from './problem.ts';

/** Parses input at the edge; a failure becomes a 400 validation_error before anything changes. */
export function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw zodProblem(result.error);
  return result.data;
}
