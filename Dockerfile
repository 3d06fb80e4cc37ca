# smc-waves daemon. Built by docker-compose.yml; on its own:
#   docker build -t smc-waves . && docker run --rm -p 127.0.0.1:8080:8080 \
#     -e SMC_WAVES_REDIS_URL=redis://host.docker.internal:6379 -e SMC_WAVES_API_TOKEN=... smc-waves
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so a source change does not reinstall them. tsx is a runtime dependency:
# the CLI runs the TypeScript sources directly, with no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY config ./config

# Inside a container the API must listen beyond loopback; the daemon then refuses to start
# without SMC_WAVES_API_TOKEN, so every route but /healthz needs the token.
ENV SMC_WAVES_HTTP_HOST=0.0.0.0 \
    SMC_WAVES_HTTP_PORT=8080
EXPOSE 8080

USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The daemon drains on SIGTERM within orchestrator.drainTimeout (30 s by default).
STOPSIGNAL SIGTERM
CMD ["node", "bin/smc-waves.js", "daemon"]
