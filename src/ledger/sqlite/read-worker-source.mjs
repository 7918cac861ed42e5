// The read thread (read-worker.ts) run from the TypeScript sources, as the tests and `npx tsx` do:
// a thread does not inherit the loader that runs TypeScript, so it registers tsx first. The
// compiled CLI starts dist/ledger/sqlite/read-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
