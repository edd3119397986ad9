# One image for the API and the worker (the command picks which). Production talks to an external
# PostgreSQL and Temporal server, so no Temporal binaries are fetched at install.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TEMPORAL_FETCH_SKIP=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev && npm cache clean --force
COPY . .
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
