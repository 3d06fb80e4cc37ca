/** `ETA 2026-12-01 03:10 UTC (P90 04:20)`: the P90's date only when it falls on another day. */
export function etaText(eta: { p50: string; p90: string } | undefined): string {
  if (!eta) return "";
  const [p50Day, p50Time] = minutes(eta.p50);
  const [p90Day, p90Time] = minutes(eta.p90);
  const p90 = p90Day === p50Day ? p90Time : `${p90Day} ${p90Time}`;
  return `ETA ${p50Day} ${p50Time} UTC (P90 ${p90})`;
}

/** An ISO time's day and hour:minute, in UTC (the daemon's world clock). */
function minutes(iso: string): [string, string] {
  const text = new Date(iso).toISOString();
  return [text.slice(0, 10), text.slice(11, 16)];
}
