const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_WEEK = 7 * MS_PER_DAY;
// Prometheus fixes a year at 365 days (prometheus/common model.ParseDuration); so do we.
const MS_PER_YEAR = 365 * MS_PER_DAY;

/** Width of one ledger bucket: five minutes, in milliseconds (docs/architecture.md, "The one idea"). */
export const BUCKET_MS = 5 * MS_PER_MINUTE;

/** Units in the order Prometheus requires them in a compound duration, largest first. */
const UNITS: ReadonlyArray<{ unit: string; ms: number }> = [
  { unit: 'y', ms: MS_PER_YEAR },
  { unit: 'w', ms: MS_PER_WEEK },
  { unit: 'd', ms: MS_PER_DAY },
  { unit: 'h', ms: MS_PER_HOUR },
  { unit: 'm', ms: MS_PER_MINUTE },
  { unit: 's', ms: MS_PER_SECOND },
  { unit: 'ms', ms: 1 },
];

// Same grammar as prometheus/common model.ParseDuration: each unit at most once, largest first.
const DURATION_PATTERN =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Prometheus duration ("250ms", "30s", "5m", "1h30m", "7d", "2w", "1y" = 365d) into
 * milliseconds, with the grammar of Prometheus's `model.ParseDuration`: non-negative integers,
 * units y w d h m s ms, each at most once and largest first, no spaces. "0" is accepted as zero.
 * @throws Error naming the text and the accepted form when the text is not such a duration.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const match = DURATION_PATTERN.exec(text);
  // The pattern also matches "", so require at least one unit group.
  if (match === null || text === '') {
    throw new Error(
      `Invalid duration ${JSON.stringify(text)}: expected a Prometheus duration such as ` +
        `"30s", "5m", "1h30m", "7d" (units y, w, d, h, m, s, ms, largest first, no spaces or signs)`,
    );
  }
  let totalMs = 0;
  UNITS.forEach(({ ms }, index) => {
    const digits = match[index + 1];
    if (digits !== undefined) totalMs += Number(digits) * ms;
  });
  if (!Number.isSafeInteger(totalMs)) {
    throw new Error(`Invalid duration ${JSON.stringify(text)}: too large`);
  }
  return totalMs;
}

function assertWholeNonNegativeMs(ms: number, what: string): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`${what} needs a non-negative whole number of milliseconds, got ${ms}`);
  }
}

/**
 * Formats milliseconds as the shortest exact Prometheus duration, as Prometheus's own
 * `model.Duration.String()` does: years and weeks only when they divide the whole duration
 * ("14d" → "2w", but "30d" stays "30d"), then d h m s ms greedily ("90m" → "1h30m").
 * Zero is "0s".
 */
export function formatDuration(ms: number): string {
  assertWholeNonNegativeMs(ms, 'formatDuration');
  if (ms === 0) return '0s';
  let restMs = ms;
  let text = '';
  for (const { unit, ms: unitMs } of UNITS) {
    // Like Prometheus: "90d" reads better than "12w6d", so y and w only when exact.
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && restMs % unitMs !== 0) continue;
    const count = Math.floor(restMs / unitMs);
    if (count > 0) {
      text += `${count}${unit}`;
      restMs -= count * unitMs;
    }
  }
  return text;
}

/**
 * Formats a positive duration for a PromQL range selector (`metric[…]`): a single unit, the
 * largest of d h m s ms that divides it exactly ("5m", "90s", "1d", "1500ms").
 * Single-unit forms are accepted by every Prometheus-compatible engine, unlike "1h30m".
 */
export function toPromQlRange(ms: number): string {
  assertWholeNonNegativeMs(ms, 'toPromQlRange');
  if (ms === 0) throw new Error('toPromQlRange needs a positive duration, got 0');
  for (const { unit, ms: unitMs } of UNITS) {
    if (unit === 'y' || unit === 'w') continue;
    if (ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  }
  // Unreachable: every whole number of milliseconds is divisible by 1 ms.
  return `${ms}ms`;
}

/** The end of the bucket at or before `ms`: the largest multiple of {@link BUCKET_MS} ≤ ms. */
export function floorToBucket(ms: number): number {
  return Math.floor(ms / BUCKET_MS) * BUCKET_MS;
}

/** The smallest multiple of {@link BUCKET_MS} ≥ ms. */
export function ceilToBucket(ms: number): number {
  return Math.ceil(ms / BUCKET_MS) * BUCKET_MS;
}
