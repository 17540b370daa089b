# Tributary: a Kafka-compatible broker. Build: docker build -t tributary .
# Run:   docker run -p 9092:9092 -v tributary-data:/data tributary
# Clients outside the container connect to the host and port they are told in Metadata: set
# TRIBUTARY_ADVERTISED_HOST (and TRIBUTARY_ADVERTISED_PORT when the published port differs), e.g.
#        docker run -p 19092:9092 -e TRIBUTARY_ADVERTISED_PORT=19092 tributary
# Any broker setting can be given as TRIBUTARY_<KEY> (dots as underscores) or as flags after the image name.

# One Node LTS minor (the one CI tests as Node 24), so a rebuild does not move the runtime under us.
FROM node:24.22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:24.22-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The runtime is Node alone: no npm, npx, corepack or yarn (the broker needs none of them), so the
# image is Debian plus the node binary of the stage above, its user and its files.
FROM debian:bookworm-slim
RUN groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
  && mkdir -p /data && chown node:node /data
COPY --from=build /usr/local/bin/node /usr/local/bin/node
# No TRIBUTARY_PORT here: it would override the port of `listeners` given any other way.
ENV NODE_ENV=production \
    TRIBUTARY_DATA_DIR=/data
WORKDIR /app
COPY package.json ./
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
VOLUME ["/data"]
EXPOSE 9092
# The healthcheck finds the listener as the broker did: TRIBUTARY_* settings (TRIBUTARY_PORT,
# TRIBUTARY_LISTENERS, a TRIBUTARY_CONFIG file) and the flags given after the image name (PID 1's).
# With metrics.listener set (e.g. -e TRIBUTARY_METRICS_LISTENER=http://0.0.0.0:9644 for Prometheus) it
# asks that listener's /readyz instead: unhealthy while logs recover or groups load, not only when down.
HEALTHCHECK --interval=10s --timeout=6s --start-period=5s --retries=3 CMD ["node", "dist/cli.js", "healthcheck"]
# Node itself is PID 1 (no npm, no shell in between), so `docker stop` reaches the broker: the first
# SIGTERM shuts it down cleanly, a second one ends it at once.
ENTRYPOINT ["node", "dist/cli.js"]
