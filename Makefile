# Chorus. `make run` and `make test` are the two commands a new user needs.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 30s
BENCHTIME ?= 3x

.PHONY: build run test deps bench train eval lint fuzz clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/chorus ./cmd/chorus

# The dashboard on http://127.0.0.1:8080 with the demo event, on the
# embedded store under ./chorus-data.
run: build
	./bin/chorus serve --demo

deps:
	@./scripts/deps

# vet plus every test, with the race detector, against throwaway
# redis-server processes and headless Chromium (installed when missing).
test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

# Ingest end to end (parse, score, tally exactly once) into real Redis and
# the embedded store, with Redis's own speed at a per-post Lua tally taken
# just before and just after (the ratios use the mean of the two); then the
# dashboard's read routes against /healthz in the same run, and 1,000 live
# viewers.
bench: deps
	@./scripts/yardstick | tee bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkIngest|BenchmarkPush' -benchtime $(BENCHTIME) -timeout 30m ./ingest | tee -a bench.txt
	@./scripts/yardstick | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkScaling' -benchtime 1x -timeout 30m ./store/redis | grep posts/s | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkScore' -benchtime 2s ./ingest | grep posts/s | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkDashboard' -benchtime 0.5s -timeout 20m ./web | grep -E '^Benchmark' | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkLive' -benchtime 5x -timeout 20m ./web | grep -E '^Benchmark' | tee -a bench.txt
	$(GO) test -run '^$$' -bench 'BenchmarkReport' -benchtime 1x -timeout 20m ./report | grep -E '^Benchmark' | tee -a bench.txt
	@./scripts/bench-report bench.txt

# Train the English and Chinese models from ../shared/data (CHORUS_TRAIN_DATA
# overrides) and write the embedded model files.
train:
	$(GO) run ./analysis/train train

# Validation metrics and throughput of the built-in models.
eval:
	$(GO) run ./analysis/train eval

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Each fuzz target for FUZZTIME.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin bench.txt
