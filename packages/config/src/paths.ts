/** Sets `value` at a dotted `path` inside `object`, creating the objects on the way. */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = object;
  for (const part of parts.slice(0, -1)) {
    const next = (at[part] as Record<string, unknown> | undefined) ?? {};
    at[part] = next;
    at = next;
  }
  at[parts[parts.length - 1]!] = value;
}
