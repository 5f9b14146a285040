# The casewatch image: the CLI, replay and the streaming worker.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas schemas
COPY workers workers
RUN pip install --no-cache-dir . && useradd --create-home casewatch
USER casewatch
ENTRYPOINT ["casewatch"]
