/**
 * The keys an experiment file may have at a place in it, read from the zod schema itself, so an
 * "unknown key" error can say which key was meant without a second list to keep in step.
 */
import { z } from 'zod';
import { closeNames } from '../simulation/config.js';

/** Keys of every object form the schema allows at `path` (the union over alternatives). */
export function keysAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): string[] {
  const out = new Set<string>();
  const walk = (s: z.ZodTypeAny, i: number): void => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return walk(s.unwrap(), i);
    if (s instanceof z.ZodDefault) return walk(s._def.innerType, i);
    if (s instanceof z.ZodEffects) return walk(s.innerType(), i);
    if (s instanceof z.ZodLazy) return walk(s.schema, i);
    if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
      for (const o of s.options as z.ZodTypeAny[]) walk(o, i);
      return;
    }
    if (s instanceof z.ZodIntersection) {
      walk(s._def.left, i);
      walk(s._def.right, i);
      return;
    }
    if (i === path.length) {
      if (s instanceof z.ZodObject) for (const k of Object.keys(s.shape)) out.add(k);
      return;
    }
    if (s instanceof z.ZodObject) {
      const child = (s.shape as Record<string, z.ZodTypeAny>)[String(path[i])];
      if (child) walk(child, i + 1);
    } else if (s instanceof z.ZodArray) walk(s.element, i + 1);
    else if (s instanceof z.ZodRecord) walk(s.valueSchema, i + 1);
  };
  walk(schema, 0);
  return [...out];
}

/** "unknown key 'k'; did you mean 'x'? (valid here: …)" for a key at `path` of a document of `schema`. */
export function unknownKeyHint(schema: z.ZodTypeAny, path: readonly (string | number)[], key: string): string {
  const valid = keysAt(schema, path);
  if (!valid.length) return `unknown key '${key}'`;
  const near = closeNames(key, valid);
  return `unknown key '${key}'${near.length ? `; did you mean ${near.map((k) => `'${k}'`).join(' or ')}?` : ''} (valid here: ${valid.sort().join(', ')})`;
}
