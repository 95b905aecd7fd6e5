/**
 * RFC 4180 CSV: a field is quoted when it holds a comma, a quote, a line break or spaces at
 * its ends, a quote inside doubled; lines end with CRLF, as spreadsheets expect.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: ReadonlyArray<string | number | null>): string {
  return values.map(csvField).join(',') + '\r\n';
}
