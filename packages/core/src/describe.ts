/**
 * Renders a received value for an error message: short, and never the whole of
 * a large object or string.
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') {
    let text: string;
    try {
      text = JSON.stringify(value) ?? 'an object';
    } catch {
      text = 'an object';
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  return String(value);
}
