# syntax=docker/dockerfile:1
# slo-ledger: `serve` (HTTP API, /metrics, status page, a ledger sync every minute) in a container.
# The base image is pinned to an exact Node.js release (the one the test suite runs on); bump it deliberately.

# ---- build: install every dependency, compile better-sqlite3 and the TypeScript ------------------
FROM node:20.20.2-bookworm-slim AS build
# Toolchain for node-gyp (better-sqlite3 is compiled here), and the fonts the runtime copies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# Compile better-sqlite3 from source for this image's Node.js and glibc, instead of downloading a binary.
ENV npm_config_build_from_source=true
# `npm ci` runs the `prepare` script, which compiles src/ to dist/; then the dev dependencies go.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and dist/ only, as a non-root user -------------------------
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The PDF report embeds DejaVu Sans (fonts-dejavu-core, installed in the build stage).
COPY --from=build /usr/share/fonts/truetype/dejavu /usr/share/fonts/truetype/dejavu
COPY bin ./bin
COPY templates ./templates
# The ledger (./slo-ledger.db) and the reports (./reports) are relative to the working directory,
# so both land in the volume.
RUN mkdir -p /data/reports && chown -R node:node /data
WORKDIR /data
VOLUME ["/data"]
# The image's own user `node` (uid 1000), never root.
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/slo-ledger.js"]
# Inside a container the server must listen on every interface; set server.token (via ${VAR}) in
# the config file given by SLO_LEDGER_CONFIG, or slo-ledger warns at start that it has no token.
CMD ["serve", "--listen", "0.0.0.0:9464"]
