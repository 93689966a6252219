# syntax=docker/dockerfile:1
# One build for every service; each service is a small, non-root runtime image:
#   docker build --target ingest -t tiqets/ingest .      (ingest, validator, merger, persister, api, cli, admin)
# `cli` is the embedded `tiqets` command line; `admin` runs a deployment's setup steps
# (`tiqets-admin setup-nats`, `tiqets-admin migrate`).
# The api image also serves the dashboard, built in the `web` stage.
# The build stage runs the same cargo command as CI (scripts/test builds with --locked).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
      --bin tiqets --bin tiqets-admin --bin tiqets-ingest --bin tiqets-validator --bin tiqets-merger \
      --bin tiqets-persister --bin tiqets-api \
 && mkdir -p /out \
 && cp target/release/tiqets target/release/tiqets-admin target/release/tiqets-ingest \
       target/release/tiqets-validator target/release/tiqets-merger target/release/tiqets-persister \
       target/release/tiqets-api /out/

# The dashboard (web/, Yew → wasm32) with the ordinary rustup route; the api image serves it.
FROM rust:1.95-bookworm AS web
RUN rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version 0.2.130
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/web/target \
    rustup target add wasm32-unknown-unknown \
 && TIQETS_WEB_TARGET_DIR=/src/web/target scripts/build-web

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tiqets \
 && useradd --system --uid 10001 --gid tiqets --home-dir /data --shell /usr/sbin/nologin tiqets \
 && mkdir -p /data/input /data/archive /data/output \
 && chown -R tiqets:tiqets /data
WORKDIR /data
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS ingest
COPY --from=build /out/tiqets-ingest /usr/local/bin/
CMD ["tiqets-ingest"]

FROM runtime AS validator
COPY --from=build /out/tiqets-validator /usr/local/bin/
CMD ["tiqets-validator"]

FROM runtime AS merger
COPY --from=build /out/tiqets-merger /usr/local/bin/
CMD ["tiqets-merger"]

FROM runtime AS persister
COPY --from=build /out/tiqets-persister /usr/local/bin/
CMD ["tiqets-persister"]

FROM runtime AS api
COPY --from=build /out/tiqets-api /usr/local/bin/
COPY --from=web /src/web/dist /usr/share/tiqets/web
ENV TIQETS_API_ADDR=0.0.0.0:8080 TIQETS_WEB_DIR=/usr/share/tiqets/web
EXPOSE 8080
CMD ["tiqets-api"]

# The embedded processor: `docker run -v $PWD/data:/data tiqets/cli` processes /data/input.
FROM runtime AS cli
COPY --from=build /out/tiqets /usr/local/bin/
ENTRYPOINT ["/usr/bin/tini", "--", "tiqets"]
CMD ["process", "/data/input"]

# A deployment's setup steps, each run as a one-off: `setup-nats` (as the NATS setup user)
# and `migrate` (as the schema's owner role).
FROM runtime AS admin
COPY --from=build /out/tiqets-admin /usr/local/bin/
ENTRYPOINT ["/usr/bin/tini", "--", "tiqets-admin"]
CMD ["--help"]
