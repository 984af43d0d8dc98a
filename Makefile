# ipcctl — see README.md.
GO      ?= go
BIN     := bin/ipcctl
export CGO_ENABLED := 0

.PHONY: all build test vet fmt-check deps docs fuzz bench bench-compat install-links clean

all: build

# -buildvcs=auto: stamp the git revision into the binary (ipcctl --version)
# even where GOFLAGS says -buildvcs=false; a tarball build still works.
build:
	$(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/ipcctl

deps:
	@./scripts/test-deps.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Everything CI runs: install test deps, format and vet checks, every test
# (kernel tests run in private namespaces), against a freshly built binary.
test: deps build fmt-check vet
	IPCCTL_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 ./...

# Regenerate docs/man and docs/reference from the command tree (a test
# fails while they are stale).
docs:
	$(GO) run ./scripts/gendocs docs

# Fuzz each parser for FUZZTIME (the seed corpora already run in `make test`).
FUZZTIME ?= 20s
FUZZ_PKGS := ./pkg/procfs
fuzz:
	@for pkg in $(FUZZ_PKGS); do \
	  for fz in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$fz"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$fz$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

# Whole-command benchmark against util-linux in a private IPC namespace
# (needs root or unprivileged user namespaces), then the Go benchmarks.
bench: build
	IPCCTL=$(CURDIR)/$(BIN) ./scripts/bench-ls.sh
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/procfs ./pkg/ipc ./internal/cli/ls

# The util-linux front-ends: ipcctl plus the links ipcs, ipcrm, ipcmk and
# lsipc in $(PREFIX)/bin. Refuses the system's own bin directories and any
# existing file that is not such a link (FORCE=1 overrides; DESTDIR stages).
PREFIX ?= /usr/local
install-links: build
	./scripts/install-links.sh $(BIN) $(PREFIX)/bin

# ipcctl's ipcs/lsipc against util-linux's, in a private IPC namespace.
bench-compat: build
	IPCCTL=$(CURDIR)/$(BIN) ./scripts/bench-compat.sh

clean:
	rm -rf bin
