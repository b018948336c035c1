# syntax=docker/dockerfile:1
#
# One image for every bounded context. SERVICES chooses which contexts a container runs:
#   docker run -e SERVICES=flowerdelivery/order -e TRANSPORTER=nats://nats:4222 -e MONGO_URI=... moleculer-systems
#   docker run -e SERVICES=gateway/api -p 3000:3000 ... moleculer-systems
# Without SERVICES, moleculer-runner loads every service under SERVICEDIR (the embedded mode, one process).
#
# Build: docker build -t moleculer-systems:<tag> .

ARG NODE_IMAGE=node:22-bookworm-slim

# better-sqlite3 (the embedded store) is a native addon: npm fetches its prebuilt binary, or compiles it with
# python3, make and g++ when it cannot; both stages install that toolchain for the install step only.
ARG BUILD_TOOLS="python3 make g++"

# ---- build: all dependencies (TypeScript, types), compile to dist/ ----
FROM ${NODE_IMAGE} AS build
ARG BUILD_TOOLS
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    apt-get update && apt-get install -y --no-install-recommends ${BUILD_TOOLS} \
    && npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies only, compiled JavaScript, non-root ----
FROM ${NODE_IMAGE} AS runtime
ARG BUILD_TOOLS
# HEALTH_PORT (GET /live, /ready of a non-gateway process) is set per container by the Helm chart, not here:
# the gateway serves its probes on PORT.
ENV NODE_ENV=production \
    SERVICEDIR=dist/services \
    PORT=3000 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    apt-get update && apt-get install -y --no-install-recommends ${BUILD_TOOLS} \
    && npm ci --omit=dev --no-audit --no-fund \
    && apt-get purge -y --auto-remove ${BUILD_TOOLS} && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /app/data \
    && chown node:node /app/data
COPY --from=build --chown=root:root /app/dist ./dist

# The image's `node` user (uid 1000); the Helm chart runs it with a read-only root filesystem and
# writable emptyDirs on /tmp and /app/data.
USER node

# 3000: gateway HTTP (GET /live, /ready, /api/...); 3001: health port of the other contexts;
# 3030: Prometheus metrics (METRICS_PORT).
EXPOSE 3000 3001 3030

# node is PID 1 and receives SIGTERM directly: moleculer-runner stops the broker gracefully
# (readiness false, in-flight requests finish, consumers stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "node_modules/moleculer/bin/moleculer-runner.js", "--config", "dist/moleculer.config.js"]
