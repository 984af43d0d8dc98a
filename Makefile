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

clean:
	rm -rf bin
