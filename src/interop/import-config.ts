import { Document, isSeq } from 'yaml';
import { toSloEntry } from '../config/slo-codec.js';
import type { SloFilesRead, SloFormat } from './read-slo-files.js';
import { formatPlace } from './source.js';

// `slo-ledger import openslo|sloth FILE...`: the SLOs of the files as a slo-ledger config file (one
// `config check` accepts), each SLO under a comment naming where it came from.

/** The config text of what a set of files gave (read without problems). */
export function importedConfig(read: SloFilesRead, options: { format: SloFormat; files: readonly string[] }): string {
  const file: Record<string, unknown> = {};
  if (read.prometheus !== undefined) file.prometheus = { url: read.prometheus.url };
  const zone = read.slos.find((s) => s.timeZone !== undefined)?.timeZone?.zone;
  if (zone !== undefined) file.timezone = zone;
  if (read.policy !== undefined) file.alerting = { policy: read.policy.rules };
  file.slos = read.slos.map((s) => toSloEntry(s.slo));
  const doc = new Document(file);
  doc.commentBefore = [
    ` slo-ledger configuration converted by \`slo-ledger import ${options.format}\` from ${options.files.join(', ')}.`,
    ...(read.prometheus === undefined ? [] : [` prometheus.url: from DataSource "${read.prometheus.name}" (${formatPlace(read.prometheus.place)}); give credentials here as \${VAR}.`]),
    ...(zone === undefined ? [] : [' timezone: from the calendar-aligned windows (1M, read as a 30-day window; monthly reports follow calendar months in this zone).']),
    ...(read.policy === undefined ? [] : [` alerting.policy: from the burnrate conditions of ${read.policy.label} (${formatPlace(read.policy.place)}); short_window = lookbackWindow / 12.`]),
  ].join('\n');
  const slos = doc.get('slos', true);
  if (isSeq(slos)) {
    read.slos.forEach((imported, index) => {
      const node = slos.items[index] as { commentBefore?: string } | undefined;
      if (node === undefined) return;
      const notes = [` from ${imported.place.file}:${imported.place.line} (${imported.label})`];
      const severities = imported.severityLabels;
      if (severities?.page !== undefined || severities?.ticket !== undefined) {
        const said = (['page', 'ticket'] as const).flatMap((s) => (severities[s] === undefined ? [] : [`${s} alerts severity="${severities[s]!.value}"`])).join(' and ');
        notes.push(` Sloth labels its ${said}: slo-ledger sets severity for every SLO from alertmanager.severity (page, ticket); set those to match.`);
      }
      node.commentBefore = notes.join('\n');
    });
  }
  return doc.toString({ lineWidth: 0 });
}
