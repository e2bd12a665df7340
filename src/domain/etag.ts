/**
 * The deployment's ETag follows its `version`, which every change of its own fields (name,
 * description, node count) increments; live node states are not part of it.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** RFC 9110 If-Match: `*` or a list of tags; a weak `W/` prefix is tolerated. */
export function ifMatchSatisfied(header: string | undefined, version: number): boolean {
  if (header === undefined) return true;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const current = etagOf(version);
  return trimmed
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === current);
}
