// Settings come from the environment and are checked once: a missing one fails fast with its name.
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required setting ${name}`);
  }
  return value;
}

/** An optional setting with a documented default (only for settings the README lists as optional). */
export function envOr(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}
