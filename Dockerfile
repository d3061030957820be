# syntax=docker/dockerfile:1
# Rolegate: a static, CGO-free binary on distroless, running as non-root.
# Build:  docker build --build-arg VERSION=$(git describe --always) -t rolegate .
# Run:    docker run -p 8080:8080 -v rolegate-data:/data -v rolegate-anchors:/anchors \
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
# The database (and its session keys) on one volume, the audit anchors and
# their key on another, so that the anchors outlive a rewritten database.
VOLUME ["/data", "/anchors"]
ENV ROLEGATE_LISTEN=0.0.0.0:8080 \
    ROLEGATE_DB=/data/rolegate.db \
    ROLEGATE_AUDIT_ANCHOR_FILE=/anchors/rolegate.anchors \
    ROLEGATE_LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rolegate"]
