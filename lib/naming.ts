/** `connect` → `Connect`: construct ids read like the resources they name. */
export function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
