# ipcctl — see README.md.
GO      ?= go
BIN     := bin/ipcctl
export CGO_ENABLED := 0

.PHONY: all build test vet fmt-check deps docs fuzz bench clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/ipcctl

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

clean:
	rm -rf bin
