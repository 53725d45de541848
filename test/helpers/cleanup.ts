/** Last-in, first-out cleanup for a test: sessions close before the server they talk to stops. */
import type { TestContext } from 'node:test';

/**
 * Returns `defer(fn)`; after the test every deferred fn runs, the last deferred first (node:test
 * runs `t.after` hooks in the order they were added, which would stop a server before its clients
 * close and make the stop wait out its unbind grace time). All run even if one fails; the first
 * failure is rethrown.
 */
export function cleanup(t: TestContext): (fn: () => unknown) => void {
  const stack: Array<() => unknown> = [];
  t.after(async () => {
    let first: unknown = null;
    while (stack.length > 0) {
      try {
        await stack.pop()!();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first;
  });
  return (fn) => {
    stack.push(fn);
  };
}
