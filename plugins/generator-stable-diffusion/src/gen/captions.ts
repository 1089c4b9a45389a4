/**
 * One caption per class, NetDiffusion style ("pixelated network data, type-<k>"), so one
 * fine-tuned model generates every class. Placeholders: {label} (the class name), {index}
 * (its position in the sorted label list), {tile} (the tile's "row-col" in tile mode,
 * appended as ", tile r-c" when the template does not place it). Overrides give a class a
 * caption of its own.
 */
export interface CaptionOptions {
  template: string;
  overrides: Record<string, string>;
}

export function captionFor(o: CaptionOptions, labels: readonly string[], label: string, tile?: { row: number; col: number }): string {
  const sorted = [...labels].sort();
  const index = sorted.indexOf(label);
  let c = o.overrides[label] ?? o.template;
  c = c.replaceAll('{label}', label).replaceAll('{index}', String(index < 0 ? sorted.length : index));
  if (tile) {
    const t = `${tile.row}-${tile.col}`;
    c = c.includes('{tile}') ? c.replaceAll('{tile}', t) : `${c}, tile ${t}`;
  }
  return c;
}
