# The broker image: the same build and the same start command CI tests.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    KAFKATS_HOST=0.0.0.0 \
    KAFKATS_PORT=9092 \
    KAFKATS_DATA_DIR=/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# dist/ belongs to the node user so the launcher can keep its V8 code cache there (written after the first start).
COPY --from=build --chown=node:node /app/dist ./dist
# Data lives in the /data volume, owned by the unprivileged node user.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 9092
STOPSIGNAL SIGTERM
CMD ["node", "dist/kafkats.js"]
