FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY channels channels
COPY classifier classifier
COPY config config
RUN pip install --no-cache-dir -e . && python -m classifier train
ENV GATEWAY_CONFIG=/app/config/gateway.yaml
ENTRYPOINT ["gateway"]
