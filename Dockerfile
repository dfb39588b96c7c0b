# One image for both apps (and the CLI); docker-compose and deploy/k8s pick the entry point.
# Node 22 LTS here (the newest 22.x); package.json `engines` admits it and the native machine's 20.19+,
# ranges every dependency declares (test/engines.test.ts).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
COPY bench ./bench
COPY tools ./tools
RUN bash scripts/build.sh

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Production dependencies only, installed from the lock file in this stage (no dev tools,
# no compiler, no test fixtures in the image).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 9464
# Ingestion's /health on PORT by default; the projector's image use sets HEALTHCHECK_URL
# (compose and Kubernetes define their own checks and probes, which take precedence).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=4 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL||'http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/ingestion/src/main.js"]
