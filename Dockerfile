# syntax=docker/dockerfile:1
# Rolegate: a static, CGO-free binary on distroless, running as non-root.
# Build:  docker build --build-arg VERSION=$(git describe --always) -t rolegate .
# Key:    docker run --rm -v "$PWD/secrets:/out" --user "$(id -u)" rolegate audit keygen -o /out/audit-signing.key
#         (once, as yourself: the container's user 65532 can then read the key but not rewrite it)
# Run:    docker run -p 8080:8080 -v rolegate-data:/data -v rolegate-anchors:/anchors \
#           -v "$PWD/secrets/audit-signing.key:/run/secrets/audit-signing.key:ro" \
#           -e ROLEGATE_EXTERNAL_URL=https://rolegate.example.com -e ROLEGATE_REGIONS=eu-west-1 \
#           -e AWS_REGION=eu-west-1 rolegate

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/rolegate ./cmd/web \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/redshiftsim ./cmd/redshiftsim \
 && mkdir -p /out/data /out/anchors

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rolegate /usr/local/bin/rolegate
COPY --from=build /out/redshiftsim /usr/local/bin/redshiftsim
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/anchors /anchors
# The database (and its session keys) on one volume, the audit anchors on
# another, so that the anchors outlive a rewritten database; the anchors'
# Ed25519 signing key is mounted read-only (or given in
# ROLEGATE_AUDIT_SIGNING_KEY from a secret store), out of the service's
# writable reach.
VOLUME ["/data", "/anchors"]
ENV ROLEGATE_LISTEN=0.0.0.0:8080 \
    ROLEGATE_DB=/data/rolegate.db \
    ROLEGATE_AUDIT_ANCHOR_FILE=/anchors/rolegate.anchors \
    ROLEGATE_AUDIT_SIGNING_KEY_FILE=/run/secrets/audit-signing.key \
    ROLEGATE_LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rolegate"]
