/**
 * Turns zod issues into one `config` PatchbayError whose message names the
 * subject, every failing field and what is allowed there — the message an
 * engineer reads at start-up.
 */
import type { z } from 'zod';
import { PatchbayError } from './errors.js';

/**
 * One failing field of a configuration.
 *
 * @example
 * ```ts
 * const issue: ConfigIssue = { field: 'trigger.every', expected: 'a duration such as "5m"' };
 * throw configFailure('integration gps-positions', [issue]);
 * ```
 */
export interface ConfigIssue {
  field: string;
  expected: string;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.message.replace(/^Invalid input: expected /, 'a ').replace(/, received .*$/, '');
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp =
        issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'string') return `a string of length ${cmp} ${String(bound)}`;
      if (issue.origin === 'array') return `a list of length ${cmp} ${String(bound)}`;
      return `a number ${cmp} ${String(bound)}`;
    }
    case 'unrecognized_keys':
      return `no unknown keys (found ${issue.keys.join(', ')})`;
    default:
      return issue.message.replace(/^expected /, '');
  }
}

/**
 * Converts zod issues into {@link ConfigIssue}s with dotted field paths.
 *
 * @example
 * ```ts
 * const r = schema.safeParse(input);
 * if (!r.success) console.log(configIssues(r.error.issues, 'source.config'));
 * ```
 */
export function configIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): ConfigIssue[] {
  return issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)));
    const joined = path.reduce<string>(
      (acc, part) => (part.startsWith('[') ? acc + part : acc ? `${acc}.${part}` : part),
      prefix,
    );
    const key =
      issue.code === 'unrecognized_keys' ? joined : joined || (prefix ? prefix : '(root)');
    return { field: key || '(root)', expected: describeIssue(issue) };
  });
}

/**
 * Builds the `config` error for a subject from its issues.
 *
 * @example
 * ```ts
 * throw configFailure('integration gps-positions', [{ field: 'pattern', expected: 'one of "rest-poll", ...' }]);
 * ```
 */
export function configFailure(subject: string, issues: readonly ConfigIssue[]): PatchbayError {
  const lines = issues.map((i) => `  - ${i.field}: expected ${i.expected}`);
  return new PatchbayError('config', `${subject} is invalid:\n${lines.join('\n')}`, {
    code: 'INVALID_CONFIG',
    details: { subject, issues: issues.map((i) => ({ ...i })) },
  });
}
