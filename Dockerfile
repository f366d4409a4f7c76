# syntax=docker/dockerfile:1
# Multi-stage build: compile with the Rust toolchain, run on a slim Debian as an unprivileged user.
# The binary needs no libpq and no OpenSSL: the database driver is pure Rust.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src ./src
COPY migrations ./migrations
COPY seed ./seed
COPY assets ./assets
# BuildKit cache mounts keep the crate registry and the compiled dependencies between builds, so a change to the
# sources recompiles only this crate; the binary is copied out because the target folder is a cache, not a layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && strip target/release/pengaduan \
    && cp target/release/pengaduan /usr/local/bin/pengaduan

FROM debian:bookworm-slim
# Time zones are compiled into the binary (chrono-tz), so the image needs no tzdata. Webhooks are sent over HTTPS and
# verified against the system's certificate authorities, which ca-certificates provides.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /var/lib/pengaduan --create-home pengaduan
COPY --from=build /usr/local/bin/pengaduan /usr/local/bin/pengaduan
USER pengaduan
WORKDIR /var/lib/pengaduan
ENV PENGADUAN_BIND=0.0.0.0:8080 \
    PENGADUAN_DATA_DIR=/var/lib/pengaduan \
    PENGADUAN_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/pengaduan"]
# The image has no curl: the binary asks its own /ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["pengaduan", "healthcheck"]
ENTRYPOINT ["pengaduan"]
CMD ["serve"]
