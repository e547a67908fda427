# The browser libraries the pages serve from /vendor/ (Leaflet for the map pick, Chart.js, leaflet.heat),
# installed from the lock file exactly as `make setup` does.
FROM node:20-bookworm-slim AS web-assets
WORKDIR /assets
COPY channels/web/assets/package.json channels/web/assets/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY channels channels
COPY classifier classifier
COPY config config
COPY --from=web-assets /assets/node_modules channels/web/assets/node_modules
RUN pip install --no-cache-dir -e . && python -m classifier train
ENV GATEWAY_CONFIG=/app/config/gateway.yaml
ENTRYPOINT ["gateway"]
