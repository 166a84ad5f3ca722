# tenantd build. `make` -> build/tenantd; `make test` -> unit tests (plain and
# ASan+UBSan), the integration suite on SQLite against the sanitizer build, the
# integration suite again on PostgreSQL against the plain build, and the browser tests.
CC      ?= cc
PKGS    := libmicrohttpd jansson openssl sqlite3 libcurl libargon2 libpq
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
               -Wno-unused-parameter -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
OPT     ?= -O2 -g
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

SRC      := $(shell find src -name '*.c' ! -path 'src/main.c' | sort)
UI_FILES := $(shell find src/ui -type f ! -name '*.c' ! -name '*.h' 2>/dev/null | sort)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

OBJ      := $(SRC:src/%.c=build/obj/%.o) build/obj/ui_assets.o
ASAN_OBJ := $(SRC:src/%.c=build/asan/%.o) build/asan/ui_assets.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_ASAN:= $(UNIT_SRC:tests/unit/%.c=build/tests-asan/%)

.PHONY: all asan unit unit-asan test test-run deps integration integration-postgres browser clean format fuzz fuzz-smoke format format-check bench
all: build/tenantd

build/tenantd: build/obj/main.o $(OBJ)
	$(CC) $(OPT) -o $@ $^ $(LDLIBS)

build/asan/tenantd: build/asan/main.o $(ASAN_OBJ)
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

asan: build/asan/tenantd

build/obj/%.o: src/%.c $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) -c -o $@ $<

build/asan/%.o: src/%.c $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN) -c -o $@ $<

# Dashboard assets compiled into the binary (see tools/embed_assets.sh).
build/gen/ui_assets.c: tools/embed_assets.sh $(UI_FILES)
	@mkdir -p $(dir $@)
	sh tools/embed_assets.sh src/ui > $@

build/obj/ui_assets.o: build/gen/ui_assets.c
	$(CC) $(CFLAGS_BASE) $(OPT) -c -o $@ $<
build/asan/ui_assets.o: build/gen/ui_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN) -c -o $@ $<

build/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) -o $@ $< $(OBJ) $(LDLIBS) -lcmocka

build/tests-asan/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN) -o $@ $< $(ASAN_OBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

unit-asan: $(UNIT_ASAN)
	@set -e; for t in $(UNIT_ASAN); do echo "== $$t"; $$t; done

# npm packages for the black-box tests, from the committed lockfile.
tests/integration/node_modules/.installed: tests/integration/package-lock.json
	cd tests/integration && npm ci --no-audit --no-fund
	touch $@

# The integration suite runs against the ASan+UBSan build: every request the
# tests make is also a sanitizer check (the harness fails on any report).
integration: build/asan/tenantd tests/integration/node_modules/.installed
	TENANTD_BIN=$(CURDIR)/build/asan/tenantd node --test --test-concurrency=2 \
	  $$(find tests/integration -maxdepth 1 -name '*.test.mjs' | sort)

# The same suite on PostgreSQL (plus multinode.test.mjs, which registers its tests
# only there): scripts/with-postgres.sh starts a throwaway cluster (C locale, Unix
# socket only) and removes it afterwards, also on failure. It runs the plain build:
# the sanitizer build already runs every test on SQLite and the backend-specific C
# (store/db_postgres.c) is small, so both builds and both backends get the full
# suite while `make test` stays short. A sanitizer pass on PostgreSQL:
# `make integration-postgres PG_TEST_BIN=build/asan/tenantd`.
PG_TEST_BIN ?= build/tenantd
integration-postgres: $(PG_TEST_BIN) tests/integration/node_modules/.installed
	scripts/with-postgres.sh env TENANTD_BIN=$(abspath $(PG_TEST_BIN)) \
	  node --test --test-concurrency=2 $$(find tests/integration -maxdepth 1 -name '*.test.mjs' | sort)

# Dashboard end-to-end tests: Playwright (playwright-core) driving Debian's chromium.
browser: build/asan/tenantd tests/integration/node_modules/.installed
	TENANTD_BIN=$(CURDIR)/build/asan/tenantd node --test --test-concurrency=1 \
	  $$(find tests/browser -maxdepth 1 -name '*.test.mjs' | sort)

# `make test` works on a fresh Debian 12 machine: it first installs what is missing.
deps:
	scripts/install-deps.sh

test: deps
	$(MAKE) -j2 build/tenantd build/asan/tenantd $(UNIT_BIN) $(UNIT_ASAN) $(FUZZ_BIN)
	$(MAKE) test-run

test-run: format-check unit unit-asan integration integration-postgres browser fuzz-smoke

# libFuzzer harnesses (clang): `make fuzz FUZZ_SECONDS=30` runs each for that long.
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ  := $(SRC:src/%.c=build/fuzz-obj/%.o) build/fuzz-obj/ui_assets.o
FUZZ_FLAGS:= -g -O1 -fsanitize=fuzzer-no-link,address,undefined
FUZZ_SECONDS ?= 20
build/fuzz-obj/%.o: src/%.c $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz-obj/ui_assets.o: build/gen/ui_assets.c
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ) $(LDLIBS)
# The objects are only named by the pattern rule above, which would make them
# intermediate files that make deletes after every build; keep them.
.SECONDARY: $(FUZZ_OBJ)
# Each harness starts from its committed seeds (tests/fuzz/corpus/<harness>/, read
# only) and grows its working corpus in build/fuzz-corpus/<harness>/.
fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); echo "== $$f"; mkdir -p build/fuzz-corpus/$$n; \
	  seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz-corpus/$$n- \
	    build/fuzz-corpus/$$n $$seeds > build/fuzz-corpus/$$n.log 2>&1 \
	    || { tail -n 40 build/fuzz-corpus/$$n.log; exit 1; }; tail -n 3 build/fuzz-corpus/$$n.log; done
# Short regression run for CI: every harness for FUZZ_SMOKE_SECONDS (default 5) over
# its committed seeds only (nothing written to tests/); fails on any crash or leak.
FUZZ_SMOKE_SECONDS ?= 5
fuzz-smoke: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); rm -rf build/fuzz-smoke/$$n; mkdir -p build/fuzz-smoke/$$n; \
	  seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || { echo "$$seeds missing"; exit 1; }; \
	  $$f -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz-smoke/$$n- \
	    build/fuzz-smoke/$$n $$seeds \
	    > build/fuzz-smoke/$$n.log 2>&1 || { tail -n 40 build/fuzz-smoke/$$n.log; exit 1; }; \
	  echo "== $$n: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' build/fuzz-smoke/$$n.log | grep -o '[0-9]*$$') runs, ok"; done

FORMAT_FILES = $$(find src tests/unit tests/fuzz -name '*.[ch]')
format:
	clang-format -i $(FORMAT_FILES)

# One style, enforced (.clang-format): CI fails on unformatted C.
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build
