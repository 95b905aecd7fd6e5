/**
 * ROC curve and confusion matrix as PNG images, drawn as SVG and rendered by sharp
 * (librsvg): no plotting dependency.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

import type { Confusion, RocPoint } from '../ml/pair-metrics.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface RocSeries {
  label: string;
  points: readonly RocPoint[];
  auc: number;
}

export function rocSvg(title: string, series: readonly RocSeries[]): string {
  const W = 540, L = 70, T = 50, S = 440;
  const H2 = T + S + 50;
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];
  const x = (f: number): number => L + f * S;
  const y = (t: number): number => T + (1 - t) * S;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H2}" viewBox="0 0 ${W} ${H2}">`,
    `<rect width="${W}" height="${H2}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="14">${esc(title)}</text>`,
  ];
  for (let k = 0; k <= 10; k++) {
    const v = k / 10;
    parts.push(`<line x1="${x(v)}" y1="${T}" x2="${x(v)}" y2="${T + S}" stroke="#eee"/>`, `<line x1="${L}" y1="${y(v)}" x2="${L + S}" y2="${y(v)}" stroke="#eee"/>`);
    if (k % 2 === 0) {
      parts.push(
        `<text x="${x(v)}" y="${T + S + 18}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12">${v.toFixed(1)}</text>`,
        `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="12">${v.toFixed(1)}</text>`,
      );
    }
  }
  parts.push(
    `<rect x="${L}" y="${T}" width="${S}" height="${S}" fill="none" stroke="#333"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="5,4"/>`,
    `<text x="${L + S / 2}" y="${T + S + 40}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13">false positive rate</text>`,
    `<text x="20" y="${T + S / 2}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13" transform="rotate(-90 20 ${T + S / 2})">true positive rate</text>`,
  );
  series.forEach((s, i) => {
    const c = colours[i % colours.length]!;
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.fpr).toFixed(2)},${y(p.tpr).toFixed(2)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    const ly = T + S - 20 - 20 * (series.length - 1 - i);
    parts.push(
      `<line x1="${L + 120}" y1="${ly}" x2="${L + 145}" y2="${ly}" stroke="${c}" stroke-width="3"/>`,
      `<text x="${L + 152}" y="${ly + 4}" font-family="DejaVu Sans, sans-serif" font-size="12">${esc(`${s.label} (AUC ${s.auc.toFixed(4)})`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function confusionSvg(title: string, c: Confusion): string {
  const W = 600, H = 400, L = 220, T = 80, C = 130;
  const total = c.tp + c.fp + c.tn + c.fn;
  const cells: Array<[number, number, number]> = [
    [0, 0, c.tp], // actual same, predicted same
    [0, 1, c.fn],
    [1, 0, c.fp],
    [1, 1, c.tn],
  ];
  const rowTotal = [c.tp + c.fn, c.fp + c.tn];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="14">${esc(title)}</text>`,
    `<text x="${L + C}" y="${T - 30}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13">predicted</text>`,
    `<text x="${L + C / 2}" y="${T - 8}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13">same</text>`,
    `<text x="${L + (3 * C) / 2}" y="${T - 8}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13">different</text>`,
    `<text x="${L - 12}" y="${T + C / 2 + 4}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="13">actual same</text>`,
    `<text x="${L - 12}" y="${T + (3 * C) / 2 + 4}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="13">actual different</text>`,
  ];
  for (const [r, col, v] of cells) {
    const share = rowTotal[r]! > 0 ? v / rowTotal[r]! : 0;
    const shade = Math.round(255 - share * 180);
    const fill = `rgb(${shade},${shade},255)`;
    parts.push(
      `<rect x="${L + col * C}" y="${T + r * C}" width="${C}" height="${C}" fill="${fill}" stroke="#333"/>`,
      `<text x="${L + col * C + C / 2}" y="${T + r * C + C / 2}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="22">${v}</text>`,
      `<text x="${L + col * C + C / 2}" y="${T + r * C + C / 2 + 22}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12">${(share * 100).toFixed(1)}% of row</text>`,
    );
  }
  parts.push(
    `<text x="${L + C}" y="${T + 2 * C + 30}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12">${total} pairs, accuracy ${total ? (((c.tp + c.tn) / total) * 100).toFixed(2) : '-'}%</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

export async function writePng(svg: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}
