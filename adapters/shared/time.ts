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

/** Parses `yyyyMMddHHmmss` Vietnam time; null when the text is not a real date in that format. */
export function parseVietnamTime14(text: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - VIETNAM_OFFSET_MS);
  // Round-tripping rejects 20261131... and 25:00:00, which Date.UTC would silently roll over.
  return formatVietnamTime(date, 'yyyyMMddHHmmss') === text ? date : null;
}
