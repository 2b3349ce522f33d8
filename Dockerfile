# One image for every Bulwark service; BULWARK_SERVICE picks which one a container runs:
# mfa, identity-protection, sign-in-logs, sessions or siem-export.

FROM node:24-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary can be fetched
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# dependencies first, so a source change does not reinstall them
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 BULWARK_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# the data directory exists and belongs to `node`, so a named volume mounted on it starts writable
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# a shell only to expand the variable; exec hands PID 1's signals to node
CMD ["sh", "-c", "exec node dist/apps/${BULWARK_SERVICE:?set BULWARK_SERVICE to mfa, identity-protection, sign-in-logs, sessions or siem-export}/src/main.js"]
