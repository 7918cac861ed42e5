import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SLOS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Environment } from '../../src/config/env.js';
import { REPO_ROOT } from '../helpers/fixture.js';

// Neither Kubernetes nor Docker runs on the project's machines: these tests read the manifests and
// the compose file and check that their parts fit each other and the program, as far as that can
// be told without a cluster.

type Labels = Record<string, string>;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsUser?: number; capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
        topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector: { matchLabels: Labels } }>;
        containers: Container[];
        volumes: Array<{ name: string; configMap?: { name: string }; emptyDir?: object; persistentVolumeClaim?: object }>;
      };
    };
  };
}

interface Service extends Manifest {
  spec: { selector: Labels; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}

interface ServiceMonitor extends Manifest {
  spec: {
    selector: { matchLabels: Labels };
    endpoints: Array<{ port: string; path?: string; authorization?: { type?: string; credentials: { name: string; key: string } } }>;
  };
}

interface PodDisruptionBudget extends Manifest {
  spec: { minAvailable: number; selector: { matchLabels: Labels } };
}

interface ConfigMap extends Manifest {
  data: Record<string, string>;
}

interface Secret extends Manifest {
  stringData: Record<string, string>;
}

const K8S_DIR = join(REPO_ROOT, 'examples', 'kubernetes');
const manifestFiles = readdirSync(K8S_DIR).filter((file) => /\.ya?ml$/.test(file)).sort();

/** Every document of every manifest file, YAML errors kept to be reported by the first test. */
const parsed = manifestFiles.map((file) => {
  const docs = parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'));
  const list = Array.isArray(docs) ? docs : [];
  return { file, errors: list.flatMap((doc) => doc.errors.map((e) => e.message)), manifests: list.map((doc) => doc.toJS() as Manifest).filter((m) => m !== null) };
});
const manifests = parsed.flatMap((p) => p.manifests);

function only<T extends Manifest>(kind: string): T {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, `one ${kind}`).toHaveLength(1);
  return found[0] as T;
}

/** A label selector picks these labels: it names at least one label (an empty one picks every pod) and all match. */
function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([name, value]) => labels?.[name] === value);
}

/** The port of `HOST:PORT` after `--listen` in a command line. */
function listenPort(args: readonly string[]): number | undefined {
  const at = args.indexOf('--listen');
  const address = at < 0 ? undefined : args[at + 1];
  return address === undefined ? undefined : Number(address.slice(address.lastIndexOf(':') + 1));
}

const dir = mkdtempSync(join(tmpdir(), 'slo-ledger-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/kubernetes', () => {
  const deployment = () => only<Deployment>('Deployment');
  const pod = () => deployment().spec.template;
  const container = () => {
    const containers = pod().spec.containers;
    expect(containers).toHaveLength(1);
    return containers[0]!;
  };
  const namedPort = (name: string | number) => container().ports?.find((p) => p.name === name);

  it('has one ConfigMap, Secret, Deployment, Service, ServiceMonitor and PodDisruptionBudget, each file valid YAML', () => {
    expect(manifestFiles).toEqual(['configmap.yaml', 'deployment.yaml', 'pdb.yaml', 'secret.example.yaml', 'service.yaml', 'servicemonitor.yaml']);
    for (const { file, errors } of parsed) expect(errors, file).toEqual([]);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceMonitor']);
    for (const m of manifests) {
      expect(m.apiVersion, m.kind).toMatch(/^([a-z0-9.-]+\/)?v\d+(beta\d+)?$/);
      expect(m.metadata.name, m.kind).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it('selects the Deployment\'s own pods with its selector, the Service, the PodDisruptionBudget and the topology spread', () => {
    const labels = pod().metadata.labels;
    expect(selects(deployment().spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(only<Service>('Service').spec.selector, labels)).toBe(true);
    expect(selects(only<PodDisruptionBudget>('PodDisruptionBudget').spec.selector.matchLabels, labels)).toBe(true);
    const spread = pod().spec.topologySpreadConstraints ?? [];
    expect(spread.map((c) => c.topologyKey)).toContain('kubernetes.io/hostname');
    for (const constraint of spread) expect(selects(constraint.labelSelector.matchLabels, labels), constraint.topologyKey).toBe(true);
  });

  it('runs at least two replicas, and the PodDisruptionBudget keeps one while letting one go', () => {
    const replicas = deployment().spec.replicas;
    expect(replicas).toBeGreaterThanOrEqual(2);
    const { minAvailable } = only<PodDisruptionBudget>('PodDisruptionBudget').spec;
    expect(minAvailable).toBe(1);
    expect(minAvailable).toBeLessThan(replicas);
  });

  it('probes /readyz and /healthz on the named container port, which serve listens on and the Service targets', () => {
    const c = container();
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter((p) => p !== undefined)) {
      expect(typeof probe.httpGet?.port, 'probes name the port rather than repeat its number').toBe('string');
      expect(namedPort(probe.httpGet!.port), `port ${probe.httpGet!.port}`).toBeDefined();
    }
    const http = namedPort('http')!;
    expect(http.containerPort).toBe(9464);
    expect(listenPort(c.args ?? [])).toBe(http.containerPort);
    const service = only<Service>('Service');
    expect(service.spec.ports).toHaveLength(1);
    const port = service.spec.ports[0]!;
    expect(port.name).toBe('http');
    const target = typeof port.targetPort === 'number' ? port.targetPort : namedPort(port.targetPort)?.containerPort;
    expect(target).toBe(http.containerPort);
  });

  it('names each replica after its pod (SLO_LEDGER_REPLICA from metadata.name)', () => {
    const replica = container().env?.find((e) => e.name === 'SLO_LEDGER_REPLICA');
    expect(replica?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(replica?.value).toBeUndefined();
  });

  it('runs as uid 1000, never root, on a read-only root filesystem where every path written is a volume', () => {
    const podSecurity = pod().spec.securityContext;
    expect(podSecurity).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    const c = container();
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.securityContext?.capabilities?.drop).toContain('ALL');
    // The image's working directory holds reports_dir; the Dockerfile's last WORKDIR is where serve runs.
    const workdirs = [...readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').matchAll(/^WORKDIR\s+(\S+)/gm)].map((m) => m[1]);
    const workdir = workdirs[workdirs.length - 1];
    expect(workdir).toBe('/data');
    const volumes = new Map(pod().spec.volumes.map((v) => [v.name, v]));
    const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    for (const path of [workdir!, '/tmp']) {
      const mount = mounts.get(path);
      expect(mount, `a volume at ${path}`).toBeDefined();
      expect(mount!.readOnly, path).not.toBe(true);
      expect(volumes.has(mount!.name), `volume ${mount!.name}`).toBe(true);
    }
    for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name), `volume ${mount.name}`).toBe(true);
  });

  it('gives a pod longer to stop than serve\'s 20 s wait for a sync in progress', () => {
    // runServer waits up to 20 s (shutdownGraceMs) for the scheduler before it closes the server.
    expect(pod().spec.terminationGracePeriodSeconds).toBeGreaterThan(20);
  });

  it('scrapes every pod through the Service by its port name, with the token from the Secret', () => {
    const monitor = only<ServiceMonitor>('ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    const service = only<Service>('Service');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toHaveLength(1);
    const endpoint = monitor.spec.endpoints[0]!;
    expect(service.spec.ports.map((p) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe('/metrics');
    const secret = only<Secret>('Secret');
    expect(endpoint.authorization?.type ?? 'Bearer').toBe('Bearer');
    expect(endpoint.authorization?.credentials).toEqual({ name: secret.metadata.name, key: 'SLO_LEDGER_TOKEN' });
    expect(Object.keys(secret.stringData)).toContain('SLO_LEDGER_TOKEN');
  });

  it('keeps only placeholders in the example Secret, which is the one the pods take their environment from', () => {
    const secret = only<Secret>('Secret');
    expect(Object.keys(secret.stringData).sort()).toEqual(['PGPASSWORD', 'SLO_LEDGER_TOKEN']);
    for (const [key, value] of Object.entries(secret.stringData)) expect(value, key).toMatch(/^REPLACE-/);
    expect(container().envFrom?.map((e) => e.secretRef?.name)).toContain(secret.metadata.name);
  });

  it('mounts the ConfigMap where SLO_LEDGER_CONFIG points, and its config loads with the environment the Deployment gives', () => {
    const configMap = only<ConfigMap>('ConfigMap');
    const c = container();
    const volume = pod().spec.volumes.find((v) => v.configMap?.name === configMap.metadata.name);
    expect(volume).toBeDefined();
    const mount = c.volumeMounts?.find((m) => m.name === volume!.name);
    const configPath = c.env?.find((e) => e.name === 'SLO_LEDGER_CONFIG')?.value;
    expect(configPath).toBeDefined();
    expect(configPath!.startsWith(`${mount!.mountPath}/`)).toBe(true);
    const key = configPath!.slice(mount!.mountPath.length + 1);
    expect(Object.keys(configMap.data)).toContain(key);

    // The container's environment as the kubelet builds it: the Secret's keys, then `env`.
    const secrets = new Map(manifests.filter((m) => m.kind === 'Secret').map((m) => [m.metadata.name, (m as Secret).stringData]));
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const data = secrets.get(from.secretRef?.name ?? '');
      expect(data, `Secret ${from.secretRef?.name}`).toBeDefined();
      Object.assign(env, data);
    }
    for (const variable of c.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[variable.name] = 'slo-ledger-7d9f8c6b5-x2x4z';
      else throw new Error(`${variable.name}: a source this test does not model`);
    }
    const file = join(dir, 'k8s-config.yaml');
    writeFileSync(file, configMap.data[key]!);
    const loaded = loadConfig({ file, env: env as Environment });

    expect(loaded.databasePath).toMatch(/^postgres:\/\//);
    expect(loaded.server).toMatchObject({ listen: { host: '0.0.0.0', port: namedPort('http')!.containerPort }, token: env.SLO_LEDGER_TOKEN, reportsDir: './reports' });
    expect(loaded.secrets).toContain(env.PGPASSWORD);
    // The multi-replica settings, as `serve` reads them.
    expect(loaded).toMatchObject({ server: { sloMetrics: 'leader' }, cluster: { leaseTimeMs: 15_000, claimBatch: 25 } });
    // The SLOs are copies of built-in ones, so the example stays as the program defines them.
    expect(loaded.slos.length).toBeGreaterThanOrEqual(2);
    for (const slo of loaded.slos) expect(slo).toEqual(DEFAULT_SLOS.find((d) => d.name === slo.name));
  });
});

describe('docker-compose.postgres.example.yml', () => {
  interface ComposeService {
    image?: string;
    build?: unknown;
    environment?: Record<string, string>;
    ports?: string[];
    volumes?: string[];
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
  }
  // Compose reads YAML merge keys (`<<: *anchor`); the yaml package does so when asked.
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.postgres.example.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
    configs: Record<string, { content?: string; file?: string }>;
    volumes: Record<string, unknown>;
  };
  const replicas = Object.entries(compose.services).filter(([, s]) => s.image === 'slo-ledger:local');

  it('runs PostgreSQL 16 with its password from the environment, a named volume and a pg_isready healthcheck', () => {
    const postgres = compose.services.postgres!;
    expect(postgres.image).toMatch(/^postgres:16(\.\d+)?$/);
    expect(postgres.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    const volume = postgres.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
    expect(postgres.healthcheck!.test.join(' ')).toMatch(/pg_isready .*-U slo_ledger .*-d slo_ledger/);
  });

  it('runs two slo-ledger replicas on the same database URL, each waiting for PostgreSQL to be healthy', () => {
    expect(replicas).toHaveLength(2);
    const postgres = compose.services.postgres!.environment!;
    const urls = replicas.map(([, s]) => s.environment?.DATABASE_URL);
    expect(urls[0]).toBeDefined();
    expect(urls[1]).toBe(urls[0]);
    const url = new URL(urls[0]!);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    for (const [name, service] of replicas) {
      expect(service.environment!.PGPASSWORD, name).toBe(postgres.POSTGRES_PASSWORD);
      expect(service.environment!.SLO_LEDGER_TOKEN, name).toMatch(/^\$\{SLO_LEDGER_TOKEN:\?/);
      expect(service.depends_on?.postgres?.condition, name).toBe('service_healthy');
    }
    // Two names and two host ports, or the replicas could not be told apart or both be reached.
    expect(new Set(replicas.map(([, s]) => s.environment!.SLO_LEDGER_REPLICA)).size).toBe(2);
    expect(new Set(replicas.map(([, s]) => s.ports?.[0]?.split(':').slice(0, -1).join(':'))).size).toBe(2);
    // One reports volume for both: the leader writes the files, either replica serves them.
    const reports = replicas.map(([, s]) => s.volumes?.find((v) => v.endsWith(':/data/reports')));
    expect(reports[0]).toBeDefined();
    expect(reports[1]).toBe(reports[0]);
  });

  it('gives Prometheus a valid config (promtool) that scrapes both replicas with the token', async () => {
    const content = compose.configs.prometheus_config!.content!.replaceAll('$$', '$');
    const config = parse(content) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    const job = config.scrape_configs.find((j) => j.job_name === 'slo-ledger')!;
    expect(job).toMatchObject({ metrics_path: '/metrics', authorization: { type: 'Bearer' } });
    expect(job.static_configs.flatMap((s) => s.targets).sort()).toEqual(replicas.map(([name]) => `${name}:9464`).sort());
    // promtool needs the credentials file to exist; point it at a temp one.
    const file = join(dir, 'prometheus-postgres.yml');
    writeFileSync(join(dir, 'token'), 'x');
    writeFileSync(file, content.replace('/run/secrets/slo_ledger_token', join(dir, 'token')));
    const { stdout } = await promisify(execFile)('promtool', ['check', 'config', file]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('gives slo-ledger a valid config that keeps the ledger in PostgreSQL, from $DATABASE_URL', () => {
    // Compose turns `$$` into `$` and `${VAR:?…}` into the variable; slo-ledger expands the rest.
    const file = join(dir, 'slo-ledger-postgres.yaml');
    writeFileSync(file, compose.configs.slo_ledger_config!.content!.replaceAll('$$', '$'));
    const [, service] = replicas[0]!;
    const env = { ...service.environment, SLO_LEDGER_TOKEN: 'from-env-123', PGPASSWORD: 'pw-456' };
    const loaded = loadConfig({ file, env });
    expect(loaded.databasePath).toBe(service.environment!.DATABASE_URL);
    expect(loaded.server).toMatchObject({ listen: { host: '0.0.0.0', port: 9464 }, token: 'from-env-123' });
    expect(loaded.secrets).toContain('pw-456');
    expect(loaded).toMatchObject({ cluster: { leaseTimeMs: 15_000, claimBatch: 25 } });
  });
});
