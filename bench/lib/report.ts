/** The table printed at the end of a run, results/latest.json, and the chart for the README. */
import { writeFile } from 'node:fs/promises';
import { type Figure, passes } from './figures.js';
import { round } from './stats.js';

const verdict = (figure: Figure) => {
  const ok = passes(figure);
  return ok === undefined ? '' : ok ? 'PASS' : 'FAIL';
};

const barText = (figure: Figure) =>
  figure.bar ? `${figure.bar.kind === 'min' ? '≥' : '≤'} ${figure.bar.value}` : '';

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.group,
    f.label,
    `${round(f.value, 1)} ${f.unit}`,
    f.reference ? `${round(f.reference.value, 1)} (${f.reference.label})` : '',
    f.ratio === undefined ? '' : `${round(f.ratio, 2)}`,
    barText(f),
    verdict(f),
  ]);
  const head = ['group', 'figure', 'measured', 'reference (same run)', 'ratio', 'bar', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export async function writeResults(
  path: string,
  meta: Record<string, unknown>,
  figures: Figure[],
  failures: { scenario: string; error: string }[],
): Promise<void> {
  const body = {
    ...meta,
    figures: figures.map((f) => ({ ...f, pass: passes(f) })),
    failures,
  };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
}

/**
 * A horizontal bar per figure that is a true ratio against a same-run reference and has a bar, with
 * the bar drawn as a tick (absolute figures, such as MiB of growth or ms of a task, stay in the table).
 */
export function chartSvg(figures: Figure[], title: string): string {
  const rows = figures.filter((f) => f.bar && f.reference && f.ratio !== undefined && f.unit !== 'ms');
  const rowHeight = 28;
  const left = 330;
  const width = 760;
  const plot = width - left - 70;
  const top = 40;
  const max = Math.max(2, ...rows.map((f) => Math.max(f.ratio!, f.bar!.value)));
  const x = (v: number) => left + (Math.min(v, max) / max) * plot;
  const height = top + rows.length * rowHeight + 30;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const bars = rows.map((f, i) => {
    const y = top + i * rowHeight;
    const ok = passes(f);
    const colour = ok ? '#2e7d32' : '#c62828';
    return [
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(f.id)}</text>`,
      `<rect x="${left}" y="${y + 5}" width="${x(f.ratio!) - left}" height="16" fill="${colour}"/>`,
      `<line x1="${x(f.bar!.value)}" x2="${x(f.bar!.value)}" y1="${y + 1}" y2="${y + 25}" stroke="#000" stroke-width="2"/>`,
      `<text x="${x(f.ratio!) + 6}" y="${y + 17}">${round(f.ratio!, 2)}x</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...bars,
    `<text x="10" y="${height - 8}" fill="#555">Ratio vs a reference measured in the same run; black tick = bar. Green holds, red does not.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
