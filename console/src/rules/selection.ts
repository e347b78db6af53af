/** Which rows of a table are checked, and what the header's checkbox shows and does. */
export type HeaderState = 'none' | 'some' | 'all';

export function headerState(rows: readonly string[], selected: ReadonlySet<string>): HeaderState {
  const count = rows.filter((id) => selected.has(id)).length;
  if (count === 0) return 'none';
  return count === rows.length ? 'all' : 'some';
}

/** The header's click: every row checked unless all already are, then none. Rows not shown are kept as they were. */
export function toggleAll(rows: readonly string[], selected: ReadonlySet<string>): Set<string> {
  const next = new Set(selected);
  if (headerState(rows, selected) === 'all') rows.forEach((id) => next.delete(id));
  else rows.forEach((id) => next.add(id));
  return next;
}

export function toggle(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Only what can still be chosen: ids that left the table (deleted, not available) drop out. */
export function keepOnly(selected: ReadonlySet<string>, rows: readonly string[]): Set<string> {
  return new Set(rows.filter((id) => selected.has(id)));
}
