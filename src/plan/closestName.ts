/**
 * The candidate nearest to `word`, if near enough to be the likely intent: a case-only difference,
 * or an edit distance of at most a third of the word (at least 1), where swapping two neighbouring
 * letters (`prot` for `port`) is one edit. `undefined` when nothing is close, so "did you mean" is
 * never a wild guess.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const budget = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const candidateLower = candidate.toLowerCase();
    if (candidateLower === lower) return candidate;
    // Lengths alone bound the distance: skip the quadratic work for hopeless candidates.
    if (Math.abs(candidate.length - word.length) > budget) continue;
    const distance = editDistance(lower, candidateLower, budget);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return bestDistance <= budget ? best : undefined;
}

/**
 * Edits (insert, delete, substitute, or swap two neighbouring characters) that turn `a` into `b`
 * (the optimal string alignment distance), giving up (returning `limit + 1`) once it must exceed
 * `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  let previousMin = 0;
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (beforePrevious[j - 2] ?? 0) + 1);
      }
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    // A row depends on the two before it: once both are past the limit, every later one is too.
    if (rowMin > limit && previousMin > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
    previousMin = rowMin;
  }
  return Math.min(previous[b.length] ?? 0, limit + 1);
}
