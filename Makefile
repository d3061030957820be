# Rolegate's everyday commands. CI runs .ci/run, which does lint + test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.buildVersion=$(VERSION)

.PHONY: help generate fmt lint test build run bench screenshots vulndb vulncheck

help: ## list the tasks
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

generate: ## regenerate templ components (commit the *_templ.go files)
	$(GO) tool templ generate

fmt: ## format Go and templ sources
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool templ fmt views

lint: ## what CI checks besides the tests
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet -tags e2e ./...
	$(GO) tool staticcheck -tags e2e ./...

test: ## the whole suite, as in the README
	$(GO) test -race -count=1 -tags e2e ./...

build: ## static binaries in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/rolegate ./cmd/web
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/redshiftsim ./cmd/redshiftsim

run: ## the dashboard in demo mode
	$(GO) run ./cmd/web -demo

bench: ## the quick benchmarks behind BENCHMARKS.md (see it for the long ones)
	$(GO) test -run '^$$' -bench . -benchmem -short ./redshiftsim ./internal/change ./internal/inventory

screenshots: ## retake docs/screenshots with the browser tests (needs chromium)
	ROLEGATE_SCREENSHOTS=1 $(GO) test -count=1 -tags e2e ./e2e/

vulndb: ## rebuild the local Go vulnerability database (pinned in .ci/vulndb; VULNDB_VERSION=latest for the newest)
	.ci/vulndb -refresh

vulncheck: ## govulncheck against the local vulnerability database, as CI runs it
	$(GO) tool govulncheck -db "file://$$(.ci/vulndb)" -format json ./... | python3 .ci/vulngate.py
