// The median the benchmark reports of every series, and the formats its figures are printed in.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const factor = (figure: number) => `${figure.toFixed(2)}×`;

/** `value` over `base` as a factor, or a dash when there is nothing to compare with. */
export const ratio = (value: number, base: number | undefined) => (base === undefined ? '–' : factor(value / base));
