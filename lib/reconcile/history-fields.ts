// Tencent documents these fields as numbers; an answer that sends a numeric string is read as the
// number it spells, never as "not recalled" or "no time".

/** The field as a safe integer (a number, or a string of digits), else undefined. */
export function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim())) {
    const parsed = Number(value.trim());
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A send time in seconds, or undefined when the entry has none (missing, 0, not a number). */
export function sendTimeOf(value: unknown): number | undefined {
  const seconds = integerOf(value);
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
