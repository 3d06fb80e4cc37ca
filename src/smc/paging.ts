/** Paging through the service's lists: its page size, its id-list limit, and the walk itself. */
import type { Page } from "./types.ts";

/** The service's largest page and its largest `JobId.N` / `SourceId.N` list. */
export const MAX_PAGE_SIZE = 50;
const MAX_IDS_PER_CALL = 50;

/**
 * `[undefined]` for no list (one unfiltered pass), else the ids in slices of 50; an empty list
 * gives no batch at all: "jobs of these zero sources" is nothing, not everything.
 */
export function batches(ids: readonly string[] | undefined): (readonly string[] | undefined)[] {
  if (ids === undefined) return [undefined];
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL)
    out.push(ids.slice(i, i + MAX_IDS_PER_CALL));
  return out;
}

/** Pages until a short page, an empty page or `totalCount` items have gone by. */
export async function collectPages<T>(
  fetchPage: (pageNumber: number) => Promise<Page<T>>,
  take: (item: T) => void,
): Promise<void> {
  let seen = 0;
  // 10,000 pages of 50 is far beyond any account; the bound only stops a misbehaving server.
  for (let pageNumber = 1; pageNumber <= 10_000; pageNumber++) {
    const page = await fetchPage(pageNumber);
    for (const item of page.items) take(item);
    seen += page.items.length;
    if (page.items.length < MAX_PAGE_SIZE || seen >= page.totalCount) return;
  }
}
