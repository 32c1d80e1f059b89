/**
 * The shape of a mapping's output, built from every field's target path. It
 * finds conflicting targets at load (`a` and `a.b`, `x[0]` and `x.y`, the same
 * target twice) and gives `compile` and `mapping types` the output tree.
 */
import type { PathSegment } from './path.js';

/**
 * A node of the output tree.
 *
 * @example
 * ```ts
 * const leaf: TargetNode = { kind: 'leaf', field: 0 };
 * ```
 */
export type TargetNode =
  | { kind: 'leaf'; field: number }
  | { kind: 'object'; children: Map<string, TargetNode>; firstField: number }
  | { kind: 'array'; children: Map<number, TargetNode>; firstField: number };

const describe = (n: TargetNode) => (n.kind === 'leaf' ? 'a value' : `an ${n.kind}`);

/**
 * The output tree of one mapping document.
 *
 * @example
 * ```ts
 * const tree = new TargetTree();
 * tree.add(['phones', 0, 'value'], 0); // undefined (no conflict)
 * tree.add(['phones', 'home'], 1); // 'type conflict: phones is an array (fields[0]) ...'
 * ```
 */
export class TargetTree {
  readonly root: TargetNode & { kind: 'object' } = {
    kind: 'object',
    children: new Map(),
    firstField: -1,
  };

  /** Adds a target; returns a message when it conflicts with an earlier one. */
  add(path: readonly PathSegment[], field: number): string | undefined {
    let node: TargetNode = this.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as PathSegment;
      const last = i === path.length - 1;
      const here = path.slice(0, i).map(String).join('.') || '(root)';
      const want = typeof seg === 'number' ? 'array' : 'object';
      if (node.kind === 'leaf') {
        return `type conflict: ${here} is a value (fields[${node.field}]) and has fields here`;
      }
      if (node.kind !== want) {
        return `type conflict: ${here} is ${describe(node)} (fields[${node.firstField}]) but used as an ${want} here`;
      }
      const children = node.children as Map<PathSegment, TargetNode>;
      const existing = children.get(seg);
      if (last) {
        if (existing?.kind === 'leaf') return `target is already set by fields[${existing.field}]`;
        if (existing) {
          return `type conflict: target is ${describe(existing)} (fields[${existing.firstField}]) and a value here`;
        }
        children.set(seg, { kind: 'leaf', field });
        return undefined;
      }
      if (!existing) {
        const next: TargetNode =
          typeof path[i + 1] === 'number'
            ? { kind: 'array', children: new Map(), firstField: field }
            : { kind: 'object', children: new Map(), firstField: field };
        children.set(seg, next);
        node = next;
      } else {
        node = existing;
      }
    }
    return undefined;
  }
}
