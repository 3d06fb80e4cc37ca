# smc-waves daemon. Built by docker-compose.yml; on its own:
#   docker build -t smc-waves . && docker run --rm -p 127.0.0.1:8080:8080 \
#     -e SMC_WAVES_REDIS_URL=redis://host.docker.internal:6379 -e SMC_WAVES_API_TOKEN=... smc-waves
# Tested for real (stand-in base images, Redis, a plan, SIGTERM) by `npm run test:container`.

# --- build: compile TypeScript to dist/ with every dependency ---------------------------------
FROM node:24-bookworm-slim AS build
# Lets `npm run test:container` tell its build stages from other images when it cleans up.
LABEL org.smc-waves.stage=build
WORKDIR /app
# Dependencies first, so a source change does not reinstall them. --ignore-scripts: `prepare` would
# build before the sources are here; the build is the next step.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/
COPY src ./src
RUN npm run build

# --- runtime: the compiled tree and production dependencies only (no TypeScript, no tsx) --------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# TypeScript comes along as an optional peer of valibot (through @bull-board/api), which npm keeps
# in a production tree; nothing loads it at run time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf node_modules/typescript
COPY bin ./bin
COPY config ./config
COPY --from=build /app/dist ./dist

# Inside a container the API must listen beyond loopback; the daemon then refuses to start
# without SMC_WAVES_API_TOKEN, so every route but the probes and signing in needs the token.
ENV SMC_WAVES_HTTP_HOST=0.0.0.0 \
    SMC_WAVES_HTTP_PORT=8080
EXPOSE 8080

# The node user (uid 1000) of the base image; it owns nothing under /app, so it cannot change it.
USER node
# Liveness (/healthz answers while the process serves HTTP; /readyz is readiness). No curl in a
# slim image: Node's fetch, on the port the daemon is told to use.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.SMC_WAVES_HTTP_PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The daemon drains on SIGTERM within orchestrator.drainTimeout (30 s by default) and exits 0;
# give `docker stop` more than that (-t 45; compose's stop_grace_period).
STOPSIGNAL SIGTERM
# A 2 MiB young generation (V8's default grows to 16) and V8's heap sizing for memory over speed:
# the daemon makes short-lived garbage at a steady rate and holds little (about 33 MiB live), and
# these keep its peak RSS near 110 MiB at 1,000 servers instead of near 240 (docs/benchmarks.md,
# "Scale"). No hard heap cap: a cap low enough to matter could kill the daemon on a large plan.
CMD ["node", "--max-semi-space-size=2", "--optimize-for-size", "bin/smc-waves.js", "daemon"]
