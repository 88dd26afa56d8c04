# syntax=docker/dockerfile:1
# track-models as a container image: a static musl binary, CA certificates and a non-root user
# on distroless/static (no shell, no package manager).
#
#   docker build -t track-models .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" track-models --help
#
# Stages: chef (toolchain + pinned cargo-chef) → planner (the dependency recipe) → builder
# (dependencies cached in their own layer, then the crate) → the runtime image (the default
# target). The `release` target puts the release's prebuilt binaries in the same runtime image.
#
# Base images are pinned by digest, the tag beside it for people (and for Dependabot, which
# bumps tag and digest together: .github/dependabot.yml). The release workflow passes VERSION
# and REVISION for the OCI labels.

ARG CARGO_CHEF_VERSION=0.1.78

FROM rust:1.95-alpine@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2 AS chef
ARG CARGO_CHEF_VERSION
# musl-dev: headers for ring's C code. Not version-pinned on purpose: Alpine's index keeps only
# the current build of a package, and the base image tag already fixes the Alpine release.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev \
    && cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# Only the dependencies: this layer is reused until Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
# On Alpine the host target is *-linux-musl, which links statically by default.
RUN cargo build --release --locked --bin track-models \
    && cp target/release/track-models /track-models \
    && /track-models --version

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="track-models" \
      org.opencontainers.image.description="Keeps FlashInfer-Bench's docs/model_coverage.mdx true: discover models, derive kernel definition names, refresh statuses, publish one PR" \
      org.opencontainers.image.source="https://github.com/flashinfer-ai/track-models" \
      org.opencontainers.image.url="https://github.com/flashinfer-ai/track-models" \
      org.opencontainers.image.documentation="https://github.com/flashinfer-ai/track-models#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="flashinfer-ai" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
# distroless' `nonroot` user (65532); run with `--user "$(id -u):$(id -g)"` to write a mounted doc.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/track-models"]

# The release image (`--target release`, release.yml): the static binaries the release built and
# attached, not a second compile. Its build context is a folder holding `<arch>/track-models`
# for each platform built (TARGETARCH: amd64, arm64).
FROM runtime AS release
ARG TARGETARCH
COPY ${TARGETARCH}/track-models /usr/local/bin/track-models

# The default image: built from this source (the stages above).
FROM runtime
COPY --from=builder /track-models /usr/local/bin/track-models
