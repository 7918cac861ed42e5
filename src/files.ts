import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SloLedgerError } from './errors.js';

/**
 * Writes a file whole or not at all: the data goes to a temporary file in the same folder, which
 * is renamed over `path` once complete. A full disk or any other failure leaves `path` as it was
 * (never a 0-byte or half-written report that the API would serve) and removes the temporary file.
 * @throws SloLedgerError naming the file and the reason (`ENOSPC: no space left on device`).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new SloLedgerError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
