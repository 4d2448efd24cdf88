# One image for every KES service: `docker run kes-ts gateway|crypto|keystore --config F`
# (docs/deployment.md), and a second target, ciphertrust-sim, with the CipherTrust Manager
# simulator and ksctl for the compose "ciphertrust" profile. docker-compose.yml builds both.

# ---- build: install, compile, then copy out production trees only ----
FROM node:20-bookworm-slim AS build
RUN npm install --global pnpm@10.34.9
WORKDIR /src
# The dependencies first (pnpm fetch reads only the lockfile): a source change keeps this layer.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
# What the images run (and what it references), not the tests and benchmarks of `pnpm build`.
RUN pnpm exec tsc -b packages/cli packages/ciphertrust-sim
# A self-contained package each, with production dependencies only.
RUN pnpm --filter @kes/cli deploy --prod --legacy /deploy/kes \
 && pnpm --filter @kes/ciphertrust-sim deploy --prod --legacy /deploy/ciphertrust-sim
# Our own packages come with their TypeScript sources, tests and build files: only dist runs.
RUN find /deploy -path '*/node_modules/.pnpm/*' ! -path '*/node_modules/.pnpm/@kes+*' -prune \
      -o \( -name src -o -name 'tsconfig*.json' -o -name '*.tsbuildinfo' -o -name '*.test.js' \
      -o -name '*.test.js.map' -o -name '*.d.ts' -o -name '*.d.ts.map' \) -prune -print \
    | xargs rm -rf

# ---- the simulator (compose profile "ciphertrust"): not part of the product image ----
# Pure JavaScript throughout (no native modules), so musl's Alpine runs what Debian built.
FROM node:20-alpine AS ciphertrust-sim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /deploy/ciphertrust-sim /app
# /cm becomes the "cm" volume, which takes this owner when compose first creates it.
RUN ln -s /app/bin/ciphertrust-sim.js /usr/local/bin/ciphertrust-sim \
 && ln -s /app/bin/ksctl.js /usr/local/bin/ksctl \
 && mkdir /cm && chown node:node /cm
USER node
ENTRYPOINT ["node", "/app/bin/ciphertrust-sim.js"]

# ---- kes: node, the deployed @kes/cli and a non-root user (the default target) ----
FROM node:20-alpine AS kes
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /deploy/kes /app
# /certs and /data become compose's "certs" and "keys" volumes, owned by the node user.
RUN ln -s /app/bin/kes.js /usr/local/bin/kes \
 && mkdir /certs /data && chown node:node /certs /data
USER node
EXPOSE 7373 7002 7003
ENTRYPOINT ["node", "/app/bin/kes.js"]
