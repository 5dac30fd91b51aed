# syntax=docker/dockerfile:1

FROM node:22-slim AS build
WORKDIR /app
# swagger-ui-dist's install step would otherwise report usage over the network.
ENV SCARF_ANALYTICS=false
# package.json carries the "overrides" npm ci must honour; copied alone so dependencies stay cached.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web console, built by Vite into dist/console-assets.
COPY console ./console
RUN npm run build

FROM node:22-slim
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The CLI on PATH, as `portcullis` (docker compose exec portcullis portcullis <command>).
RUN chmod +x dist/cli/main.js && ln -s /app/dist/cli/main.js /usr/local/bin/portcullis
# Read at run time by the ext_authz gRPC server (dist/adapters/envoy-grpc -> ../../../proto).
COPY proto ./proto
# Read at run time by the configuration file reader (PORTCULLIS_CONFIG, the CLI's apply).
COPY schema ./schema
# Created and chowned before VOLUME, so a fresh named volume starts out writable by node.
RUN mkdir -p /app/data && chown node:node /app/data

# PORTCULLIS_INSTALLATION: the service's hints name the CLI as it runs in this image.
ENV NODE_ENV=production \
    PORTCULLIS_INSTALLATION=container \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/data
VOLUME /app/data
USER node
# 8080 HTTP; 9090 Envoy ext_authz gRPC (GRPC_PORT, on by default; GRPC_PORT=off disables it).
EXPOSE 8080 9090

# Slim images have no curl; node's own fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/main.js"]
