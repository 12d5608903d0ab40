// Gateway dates are Vietnam time (UTC+7, no daylight saving) whatever the server's TZ is: these helpers
// use UTC arithmetic only and never read the process's local time zone.
import { AdapterError } from '../contract';

const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const TOKENS = /yyyy|MM|dd|HH|mm|ss/g;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Formats an instant as Vietnam wall-clock time; the pattern may use yyyy MM dd HH mm ss. */
export function formatVietnamTime(date: Date, pattern: string): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new AdapterError('invalid_date', 'cannot format an invalid date');
  const shifted = new Date(ms + VIETNAM_OFFSET_MS);
  return pattern.replace(TOKENS, (token) => {
    switch (token) {
      case 'yyyy':
        return pad(shifted.getUTCFullYear(), 4);
      case 'MM':
        return pad(shifted.getUTCMonth() + 1, 2);
      case 'dd':
        return pad(shifted.getUTCDate(), 2);
      case 'HH':
        return pad(shifted.getUTCHours(), 2);
      case 'mm':
        return pad(shifted.getUTCMinutes(), 2);
      default:
        return pad(shifted.getUTCSeconds(), 2);
    }
  });
}

/**
 * Groups 1 to 6 of a date match (year, month, day, hour, minute, second) as milliseconds of that wall
 * clock read as UTC; null when they name no real time. Checked because Date.UTC silently rolls
 * 31 November over to 1 December, 24:00 to the next day and years below 100 to 19xx.
 */
export function wallClockMs(match: RegExpExecArray): number | null {
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  return ms;
}

/** Parses `yyyyMMddHHmmss` Vietnam time; null when the text is not a real date in that format. */
export function parseVietnamTime14(text: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const wall_ms = match ? wallClockMs(match) : null;
  return wall_ms === null ? null : new Date(wall_ms - VIETNAM_OFFSET_MS);
}
