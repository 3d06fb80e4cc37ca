/** How benches print hours and shares, so their figures read alike side by side. */
export const fmtHours = (hours: number) => `${hours.toFixed(2)} h`;
export const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
