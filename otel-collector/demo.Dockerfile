# The rampart demo (examples/, `pnpm demo`) as a container for docker-compose.yml.
# Build context: the repository root.
FROM node:20.19.0-bookworm-slim
WORKDIR /rampart
COPY . .
RUN npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 run build
ENV HOST=0.0.0.0 \
    OTEL_SERVICE_NAME=rampart-demo \
    OTEL_EXPORTER_PROMETHEUS_PORT=9464
# 8080: the audit service (/audit/<user>, /status, /health); 9464: /metrics.
EXPOSE 8080 9464
CMD ["node", "--enable-source-maps", "examples/dist/demo.js", "--plain", "--host", "0.0.0.0"]
