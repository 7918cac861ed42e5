import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildFixture, startPrometheus, type FixtureData, type RunningPrometheus } from '../../src/fixture/prometheus-server.js';
import type { TrafficScenario } from '../../src/fixture/traffic.js';

/** The repository root, from this file's place in it. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Backfilled TSDBs are cached here by scenario hash (git-ignored), shared by every suite. */
export const FIXTURE_CACHE_DIR = join(REPO_ROOT, '.tmp', 'fixtures');

/** A scenario's data with a real Prometheus serving it on 127.0.0.1; `stop` ends it. */
export interface FixturePrometheus {
  fixture: FixtureData;
  prometheus: RunningPrometheus;
}

/** Builds (or reuses) the scenario's TSDB and starts Prometheus over a private copy of it. */
export async function startFixturePrometheus(scenario: TrafficScenario): Promise<FixturePrometheus> {
  const fixture = await buildFixture(scenario, FIXTURE_CACHE_DIR);
  const prometheus = await startPrometheus(fixture.tsdbDir);
  return { fixture, prometheus };
}
