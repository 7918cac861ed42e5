/**
 * dependency-cruiser rules for slo-ledger.
 *
 * Run with `npm run deps` (= `depcruise src --config .dependency-cruiser.cjs`);
 * `npm test` runs it too, so a layering violation fails the test run.
 *
 * Layers, innermost first:
 *   src/domain/                       pure model (npm packages only)
 *   src/errors.ts, src/logging.ts     shared kernel
 *   src/config, src/prometheus, src/ledger, src/report, src/fixture, src/notify,
 *   src/dashboard, src/interop        adapters
 *   src/app                           use cases
 *   src/views                         text/JSON renderings of use-case results
 *   src/server                        HTTP server
 *   src/runtime                       wiring, scheduler, long-running jobs
 *   src/commands, src/cli.ts          command line entry points
 * An inner layer must never import an outer one.
 */

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Files must not import each other in a circle (directly or through other files). ' +
        'Cycles make load order fragile and mean the layers are tangled; break the cycle ' +
        'by moving the shared piece inward or by passing it in as a port.',
      from: {},
      to: {
        circular: true,
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import in src must resolve to a real file or installed package. An ' +
        'unresolvable import is a typo, a missing dependency in package.json, or a file ' +
        'that was moved without updating its importers.',
      from: {
        path: '^src/',
      },
      to: {
        couldNotResolve: true,
      },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain is the pure core: it may use npm packages (luxon, node-cron, ...) but ' +
        'no other part of this project. Everything else depends on the domain, never the ' +
        'other way round.',
      from: {
        path: '^src/domain/',
      },
      to: {
        path: '^src/',
        pathNot: '^src/domain/',
      },
    },
    {
      name: 'kernel-stays-small',
      severity: 'error',
      comment:
        'src/errors.ts, src/logging.ts and src/files.ts are shared by every layer, so they may only ' +
        'import the domain or each other; anything more would drag an outer layer into ' +
        'every importer.',
      from: {
        path: '^src/(errors|logging|files)\\.ts$',
      },
      to: {
        path: '^src/',
        pathNot: '^src/(domain/|errors\\.ts$|logging\\.ts$|files\\.ts$)',
      },
    },
    {
      name: 'adapters-do-not-import-outer-layers',
      severity: 'error',
      comment:
        'Adapters (config, prometheus, ledger, notify, report, fixture) are used by the ' +
        'application, server, runtime and command line, so they must not import any of ' +
        'those outer layers.',
      from: {
        path: '^src/(config|prometheus|ledger|notify|report|fixture|rules|interop)/',
      },
      to: {
        path: '^src/((app|views|server|runtime|commands)/|cli\\.ts$)',
      },
    },
    {
      name: 'config-imports-domain-only',
      severity: 'error',
      comment:
        'src/config is read by every other adapter, so it may import only the domain and ' +
        'the shared kernel (errors.ts, logging.ts) - not prometheus, ledger, notify, ' +
        'report or fixture.',
      from: {
        path: '^src/config/',
      },
      to: {
        // interop/: the OpenSLO and Sloth readers, for slos_from (see the two interop rules below).
        path: '^src/(?!domain/|config/|interop/|errors\\.ts$|logging\\.ts$)',
      },
    },
    {
      name: 'config-reaches-interop-through-slo-files-only',
      severity: 'error',
      comment:
        'src/config reads the OpenSLO and Sloth files of slos_from in config/slo-files.ts only; ' +
        'the rest of config stays free of src/interop, which itself imports parts of config.',
      from: {
        path: '^src/config/',
        pathNot: '^src/config/slo-files\\.ts$',
      },
      to: {
        path: '^src/interop/',
      },
    },
    {
      name: 'interop-imports-domain-and-config-only',
      severity: 'error',
      comment:
        'src/interop converts OpenSLO and Sloth documents to and from SLO definitions: a pure adapter ' +
        'that may import the domain, the kernel\'s errors.ts and the parts of src/config it maps to ' +
        '(schema, slo-codec, yaml-location), never the loader that calls it (load-config, slo-files), ' +
        'nor anything that does I/O.',
      from: {
        path: '^src/interop/',
      },
      to: {
        path: '^src/(?!domain/|interop/|config/|errors\\.ts$)|^src/config/(load-config|slo-files|app-config|print-config)\\.ts$',
      },
    },
    {
      name: 'prometheus-imports-domain-only',
      severity: 'error',
      comment:
        'src/prometheus is a leaf adapter: it may import only the domain and the shared ' +
        'kernel (errors.ts, logging.ts), so it cannot end up in a folder-level cycle with ' +
        'the other adapters.',
      from: {
        path: '^src/prometheus/',
      },
      to: {
        path: '^src/(?!domain/|prometheus/|errors\\.ts$|logging\\.ts$)',
      },
    },
    {
      name: 'ledger-imports-domain-only',
      severity: 'error',
      comment:
        'src/ledger is a leaf adapter: it may import only the domain and the shared ' +
        'kernel (errors.ts, logging.ts), so it cannot end up in a folder-level cycle with ' +
        'the other adapters.',
      from: {
        path: '^src/ledger/',
      },
      to: {
        path: '^src/(?!domain/|ledger/|errors\\.ts$|logging\\.ts$)',
      },
    },
    {
      name: 'report-imports-no-other-adapters',
      severity: 'error',
      comment:
        'src/report builds reports from domain data handed to it; it must not import the ' +
        'config, prometheus, ledger, notify or fixture adapters (notify uses report, so ' +
        'the reverse would be a cycle).',
      from: {
        path: '^src/report/',
      },
      to: {
        path: '^src/(config|prometheus|ledger|notify|fixture)/',
      },
    },
    {
      name: 'fixture-imports-no-other-adapters',
      severity: 'error',
      comment:
        'src/fixture (the fake Prometheus and its traffic) stands on its own: it must not ' +
        'import the config, prometheus, ledger, report or notify adapters.',
      from: {
        path: '^src/fixture/',
      },
      to: {
        path: '^src/(config|prometheus|ledger|report|notify)/',
      },
    },
    {
      name: 'notify-does-not-import-prometheus-or-fixture',
      severity: 'error',
      comment:
        'src/notify may use config, ledger and report (plus the domain and kernel) to send ' +
        'messages, but it has no business with the prometheus adapter or the test fixture.',
      from: {
        path: '^src/notify/',
      },
      to: {
        path: '^src/(prometheus|fixture)/',
      },
    },
    {
      name: 'dashboard-imports-domain-only',
      severity: 'error',
      comment:
        'src/dashboard builds the Grafana dashboard from SLO definitions handed to it: a pure ' +
        'adapter that may import the domain (and types of src/config), nothing that does I/O. ' +
        'What /metrics exports (windows, group label names) is passed in by the command.',
      from: {
        path: '^src/dashboard/',
      },
      to: {
        path: '^src/(?!domain/|dashboard/|config/)',
      },
    },
    {
      name: 'dashboard-imports-config-types-only',
      severity: 'error',
      comment:
        'src/dashboard may name the types of src/config, never run its code (file reading, ' +
        'validation): the config is loaded by the command and handed in.',
      from: {
        path: '^src/dashboard/',
      },
      to: {
        path: '^src/config/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'rules-imports-domain-and-promql-only',
      severity: 'error',
      comment:
        'src/rules writes Prometheus rules from SLO definitions handed to it: a pure adapter that ' +
        'may import the domain and the PromQL builders of src/prometheus/promql.ts (so the rules ' +
        'query what the ledger syncs), nothing that does I/O.',
      from: {
        path: '^src/rules/',
      },
      to: {
        path: '^src/(?!domain/|rules/|prometheus/promql\\.ts$)',
      },
    },
    {
      name: 'app-does-not-import-outer-layers',
      severity: 'error',
      comment:
        'src/app holds the use cases; views, server, runtime and the command line call ' +
        'into it, so it must not import any of them.',
      from: {
        path: '^src/app/',
      },
      to: {
        path: '^src/((views|server|runtime|commands)/|cli\\.ts$)',
      },
    },
    {
      name: 'views-do-not-import-outer-layers',
      severity: 'error',
      comment:
        'src/views renders use-case results; the server, runtime and command line use ' +
        'the views, so the views must not import them.',
      from: {
        path: '^src/views/',
      },
      to: {
        path: '^src/((server|runtime|commands)/|cli\\.ts$)',
      },
    },
    {
      name: 'server-does-not-import-outer-layers',
      severity: 'error',
      comment:
        'src/server is started by the runtime and the command line, so it must not import ' +
        'src/runtime, src/commands or src/cli.ts.',
      from: {
        path: '^src/server/',
      },
      to: {
        path: '^src/((runtime|commands)/|cli\\.ts$)',
      },
    },
    {
      name: 'runtime-does-not-import-commands',
      severity: 'error',
      comment:
        'src/runtime is driven by the command line, so it must not import src/commands ' +
        'or src/cli.ts.',
      from: {
        path: '^src/runtime/',
      },
      to: {
        path: '^src/(commands/|cli\\.ts$)',
      },
    },
  ],
  options: {
    // Report what src imports from npm packages, but do not crawl into them.
    doNotFollow: {
      path: 'node_modules',
    },

    // Resolve through tsconfig.json (module NodeNext: imports say './x.js', the file
    // on disk is './x.ts'; dependency-cruiser maps these the way tsc does).
    tsConfig: {
      fileName: 'tsconfig.json',
    },

    // Count TypeScript-only imports (`import type`, `typeof import(...)`) too: they
    // are still a dependency of the source, even if erased from the emitted JS.
    tsPreCompilationDeps: true,

    enhancedResolveOptions: {
      // Honour package.json "exports" the way Node does for an ESM project.
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },

    skipAnalysisNotInRules: true,
  },
};
