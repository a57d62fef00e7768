// Clients that hold sockets are made once per target for the life of the execution environment: a warm Lambda
// reuses them across invocations, and on AWS every event names the same target, so each cache holds one entry.

/** Wraps `create` so that options with the same key get the very same instance. */
export function cachedByKey<O, V>(keyOf: (options: O) => string, create: (options: O) => V): (options: O) => V {
  const byKey = new Map<string, V>();
  return (options) => {
    const key = keyOf(options);
    let value = byKey.get(key);
    if (value === undefined) {
      value = create(options);
      byKey.set(key, value);
    }
    return value;
  };
}
