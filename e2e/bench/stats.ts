/** Small statistics for the benchmark scripts. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: number[]): number => percentile(values, 50);

export function printTable(title: string, rows: [string, number[]][]): void {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`${'measure'.padEnd(width)}  ${'median'.padStart(8)}  ${'min'.padStart(8)}  ${'max'.padStart(8)}  runs`);
  for (const [name, values] of rows) {
    const fmt = (v: number) => v.toFixed(0).padStart(8);
    console.log(`${name.padEnd(width)}  ${fmt(median(values))}  ${fmt(Math.min(...values))}  ${fmt(Math.max(...values))}  ${values.length}`);
  }
}
