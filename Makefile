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

# Real clients drive fcap, as root: Debian's iputils-ping postinst, Ansible's
# community.general.capabilities, the setuid fallback on bindfs --xattr-none
# and image restores with `fcap apply --root`. Missing packages are installed
# with apt-get; the system's ping is restored afterwards.
.PHONY: test-integration
test-integration: build
	FCAP=$(CURDIR)/fcap bash scripts/integration/run

# --- install, compatibility links, generated docs -------------------------
.PHONY: install install-compat docs

# Installs fcap, its man page and its bash and zsh completions under
# $(DESTDIR)$(PREFIX).
install: build
	install -D -m 0755 fcap $(DESTDIR)$(PREFIX)/bin/fcap
	install -D -m 0644 docs/fcap.8 $(DESTDIR)$(PREFIX)/share/man/man8/fcap.8
	install -D -m 0644 docs/completion/fcap.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/fcap
	install -D -m 0644 docs/completion/_fcap $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_fcap

# Also makes $(PREFIX)/sbin/setcap and getcap, relative symlinks to
# ../bin/fcap, which then behaves as libcap's programs (docs/COMPAT.md).
# Existing files that are not links to fcap are left alone (an error).
install-compat: install
	./fcap install-compat --target ../bin/fcap $(DESTDIR)$(PREFIX)/sbin

# Regenerates the man page and the completions from the command
# definitions (hidden commands gen-man and gen-completion, cmd/fcap/gen.go).
docs: build
	@mkdir -p docs/completion
	./fcap gen-man >docs/fcap.8.tmp && mv docs/fcap.8.tmp docs/fcap.8
	./fcap gen-completion bash >docs/completion/fcap.bash.tmp && mv docs/completion/fcap.bash.tmp docs/completion/fcap.bash
	./fcap gen-completion zsh >docs/completion/_fcap.tmp && mv docs/completion/_fcap.tmp docs/completion/_fcap
