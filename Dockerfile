# Tributary: a Kafka-compatible broker. Build: docker build -t tributary .
# Run:   docker run -p 9092:9092 -v tributary-data:/data tributary
# Clients outside the container connect to the host and port they are told in Metadata: set
# TRIBUTARY_ADVERTISED_HOST (and TRIBUTARY_ADVERTISED_PORT when the published port differs), e.g.
#        docker run -p 19092:9092 -e TRIBUTARY_ADVERTISED_PORT=19092 tributary
# Any broker setting can be given as TRIBUTARY_<KEY> (dots as underscores) or as flags after the image name.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    TRIBUTARY_DATA_DIR=/data \
    TRIBUTARY_PORT=9092
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9092
HEALTHCHECK --interval=10s --timeout=6s --start-period=5s --retries=3 CMD ["node", "dist/cli.js", "healthcheck"]
ENTRYPOINT ["node", "dist/cli.js"]
