import { z } from 'zod';
import { zodProblem } from './problem.ts';
import { nameProblem, stripForbiddenChars } from '../domain/text.ts';

/** Parses input at the edge; a failure becomes a 400 validation_error before anything changes. */
export function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw zodProblem(result.error);
  return result.data;
}

/**
 * A name people read back (account name, depositor name): trimmed, 1..max characters, and free of
 * control, zero-width and bidirectional characters (domain/text.ts); a refusal names the field.
 */
export function displayName(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((v, ctx) => {
      const problem = nameProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/**
 * A name reported by an outside system (a bank's or gateway's depositor name): the deposit happened, so
 * the name is not refused for invisible characters; they are removed before it is stored or shown.
 */
export function reportedName(max: number) {
  return z.string().transform(stripForbiddenChars).pipe(z.string().trim().min(1).max(max));
}
