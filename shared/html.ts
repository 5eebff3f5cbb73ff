// HTML escaping for everything PortDesk renders (emails and the signing page): one definition.
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text for element content and quoted attribute values: every markup character becomes an entity. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
