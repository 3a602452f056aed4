# fcap — build, test and install.
GO      ?= go
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test vet fmt-check check-static clean

all: build

# A static binary: CGO is off, so it runs in images without libc or libcap.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o fcap ./cmd/fcap

fcap: build

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Tests that need root or tools skip with a reason; run as root to get them all.
test: fmt-check vet build check-static
	$(GO) test -count=1 -timeout 20m ./...

# The binary must run in images without libc or libcap.so.
check-static: build
	@if ldd ./fcap >/dev/null 2>&1; then echo "fcap is dynamically linked"; exit 1; fi
	@echo "fcap: static binary ($$(stat -c %s fcap) bytes)"

clean:
	rm -f fcap
