/** Escaping for the markup renderers (HTML and SVG). */

/**
 * Escapes text for HTML and XML: safe as element content and inside single- or double-quoted
 * attribute values. Characters XML 1.0 forbids (C0 controls other than tab, newline and carriage
 * return; lone surrogates; U+FFFE/U+FFFF) become U+FFFD, so a standalone SVG stays well-formed
 * whatever a model calls its nodes.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => ESCAPES[c] ?? '\ufffd');
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A coordinate rounded to 0.1 px, without a trailing ".0" or a negative zero. */
export function px(value: number): string {
  const r = Math.round(value * 10) / 10;
  return r === 0 ? '0' : String(r);
}
