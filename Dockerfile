# The casewatch image: the CLI, replay, the streaming worker and the live worklist (serve).

# GOV.UK Frontend and MoJ Frontend, as package-lock.json pins them, for `casewatch serve`.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
COPY --from=assets /assets/node_modules /app/node_modules
ENV CASEWATCH_WEB_ASSETS=/app/node_modules
COPY pyproject.toml requirements.lock README.md ./
COPY casewatch casewatch
# The worker's state directory (a named volume in docker-compose.yml) exists in the image owned by
# the user it runs as, so the volume starts with that owner and mode: a volume mounted where the
# image has nothing is root's, and the worker could not write its table there.
# The pinned set the tests ran (requirements.lock; its development tools are a few MB more),
# then casewatch itself without resolving again.
RUN pip install --no-cache-dir -r requirements.lock && pip install --no-cache-dir --no-deps . \
    && useradd --create-home casewatch \
    && install -d -o casewatch -g casewatch -m 0700 /var/lib/casewatch
USER casewatch
ENTRYPOINT ["casewatch"]
