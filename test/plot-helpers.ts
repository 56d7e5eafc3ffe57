/** Structural checks on rendered figures: parse the SVG vega writes, decode PNGs. */
import { PNG } from 'pngjs';

/** Number of drawn items of a mark type: vega tags each mark group `mark-<type>`. */
export function countMarks(svg: string, type: string): number {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>`, 'g');
  let total = 0;
  for (const m of svg.matchAll(re)) {
    // count the direct items up to the group's end
    const start = m.index! + m[0].length;
    const end = findGroupEnd(svg, m.index!);
    const inner = svg.slice(start, end);
    const tag = { symbol: 'path', rect: 'path', line: 'path', area: 'path', text: 'text', rule: 'line', arc: 'path' }[type] ?? 'path';
    total += (inner.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
  }
  return total;
}

function findGroupEnd(svg: string, openAt: number): number {
  let depth = 0;
  const re = /<g[ >]|<\/g>/g;
  re.lastIndex = openAt;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    if (m[0] === '</g>') { depth--; if (depth === 0) return m.index; } else depth++;
  }
  return svg.length;
}

/** Titles of axes (vega tags them role-axis-title) and of the figure (role-title-text). */
export function axisTitles(svg: string): string[] {
  return textsInRole(svg, 'role-axis-title');
}
export function figureTitles(svg: string): string[] {
  return textsInRole(svg, 'role-title-text');
}

function textsInRole(svg: string, role: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<g class="mark-text ${role}"[^>]*>`, 'g');
  for (const m of svg.matchAll(re)) {
    const end = findGroupEnd(svg, m.index!);
    for (const t of svg.slice(m.index!, end).matchAll(/<text[^>]*>([^<]*)<\/text>/g)) out.push(unescape(t[1]));
    for (const t of svg.slice(m.index!, end).matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)) out.push(unescape(t[1]));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Decode PNG bytes; report size and how many distinct colours / non-background pixels it has. */
export function pngStats(bytes: Uint8Array): { width: number; height: number; colours: number; nonWhite: number } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const seen = new Set<number>();
  let nonWhite = 0;
  for (let k = 0; k < png.data.length; k += 4) {
    const r = png.data[k], g = png.data[k + 1], b = png.data[k + 2];
    seen.add((r << 16) | (g << 8) | b);
    if (r < 250 || g < 250 || b < 250) nonWhite++;
  }
  return { width: png.width, height: png.height, colours: seen.size, nonWhite };
}

/** Colour bars vega drew: per legend, its title, tick labels (as numbers; vega writes − for minus) and gradient stops. */
export function colourBars(svg: string): { title: string; labels: number[]; stops: number }[] {
  const out: { title: string; labels: number[]; stops: number }[] = [];
  for (const m of svg.matchAll(/<g class="mark-group role-legend"[^>]*>/g)) {
    const body = svg.slice(m.index!, findGroupEnd(svg, m.index!));
    if (!body.includes('role-legend-gradient')) continue;
    const texts = (role: string) => {
      const g = new RegExp(`<g class="mark-text ${role}"[^>]*>`).exec(body);
      if (!g) return [];
      const inner = body.slice(g.index, findGroupEnd(body, g.index));
      return [...inner.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1]));
    };
    const gradient = /fill="url\(#([^)]+)\)"/.exec(body)?.[1];
    const def = gradient ? new RegExp(`<linearGradient id="${gradient}"[^>]*>(.*?)</linearGradient>`).exec(svg)?.[1] ?? '' : '';
    out.push({
      title: texts('role-legend-title').join(' '),
      labels: texts('role-legend-label').map((t) => Number(t.replace(/\u2212/g, '-'))),
      stops: (def.match(/<stop /g) ?? []).length,
    });
  }
  return out;
}
