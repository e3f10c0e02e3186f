/** Formats bytes for humans: exact bytes below 1 KiB, else KiB/MiB/GiB with up to two decimals. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${trim(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${trim(bytes / 1024 ** 2)} MiB`;
  return `${trim(bytes / 1024 ** 3)} GiB`;
}

/** A share as a percentage with one decimal ("12.5%"); "-" when the total is unknown. */
export function formatPercent(part: number, total: number | null): string {
  if (total === null || total <= 0) return '-';
  return `${((100 * part) / total).toFixed(1)}%`;
}

function trim(x: number): string {
  return x.toFixed(2).replace(/\.?0+$/, '');
}
