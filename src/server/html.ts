/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A tagged template that escapes every interpolated value unless it is {@link SafeHtml}. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toHtml(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Markup that is already escaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

function toHtml(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** A ratio as a percentage with `digits` decimals ("99.9266 %"); "—" for null. */
export function formatPercent(ratio: number | null, digits = 4): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(digits)} %`;
}

/** A burn rate ("0.73×"); "—" for null. */
export function formatBurnRate(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(2)}×`;
}
