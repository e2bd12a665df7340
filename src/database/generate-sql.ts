/**
 * Example calls of methods that run SQL, from which `npm run sql:generate` writes the SQL each
 * method runs to `src/queries/*.md`, so a reviewer reads the statement and not the code that
 * builds it. The decorator only records the examples; it changes nothing at run time.
 */

/** Stands for the connection or transaction argument of a method in an example. */
export const SQL = Symbol('sql-connection');

export interface SqlExample {
  /** Names the example in the catalogue when a method has several. */
  name?: string;
  /** The method's arguments in order; `SQL` where the method takes a connection. */
  params: unknown[];
  /**
   * What the recording connection answers to the method's statements in the order they run,
   * where the method needs rows to go on (a statement past the list answers no rows).
   */
  rows?: unknown[][];
  /**
   * The class's constructor arguments by position where a recorder cannot stand for one (a
   * setting a method reads as a value); a position left `undefined` keeps the recorder.
   */
  deps?: unknown[];
}

/**
 * A statement a pure builder module makes, for the catalogue: such a module exports a list of
 * them as `SQL_EXAMPLES`, one per statement or per branch of a builder.
 */
export interface BuiltSqlExample {
  name: string;
  sql: string;
  /** Example values of its parameters, `$1` first. */
  params?: unknown[];
  /** A piece of a statement (columns, a condition): shown without a closing semicolon. */
  fragment?: boolean;
}

/** Class → method name → its examples. */
const catalogue = new Map<abstract new (...args: never[]) => unknown, Map<string, SqlExample[]>>();

/** Marks a method whose SQL belongs in the catalogue, with example arguments. */
export function GenerateSql(...examples: SqlExample[]): MethodDecorator {
  return (target, key) => {
    const owner = (target as { constructor: abstract new (...args: never[]) => unknown })
      .constructor;
    const methods = catalogue.get(owner) ?? new Map<string, SqlExample[]>();
    methods.set(String(key), examples.length > 0 ? examples : [{ params: [SQL] }]);
    catalogue.set(owner, methods);
  };
}

/** Every decorated method of every class loaded so far. */
export function sqlCatalogue(): ReadonlyMap<
  abstract new (...args: never[]) => unknown,
  ReadonlyMap<string, SqlExample[]>
> {
  return catalogue;
}
