# tenantd build. `make` -> build/tenantd; `make test` -> unit tests (plain, ASan+UBSan,
# and the threaded ones under TSan), the integration suite on SQLite and again on
# PostgreSQL, both against the sanitizer build, the browser tests and a fuzz smoke.
CC      ?= cc
PKGS    := libmicrohttpd jansson openssl sqlite3 libcurl libargon2 libpq
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
               -Wno-unused-parameter -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
OPT     ?= -O2 -g
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
TSAN    := -O1 -g -fno-omit-frame-pointer -fsanitize=thread

SRC      := $(shell find src -name '*.c' ! -path 'src/main.c' | sort)
UI_FILES := $(shell find src/ui -type f ! -name '*.c' ! -name '*.h' 2>/dev/null | sort)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

OBJ      := $(SRC:src/%.c=build/obj/%.o) build/obj/ui_assets.o
ASAN_OBJ := $(SRC:src/%.c=build/asan/%.o) build/asan/ui_assets.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
UNIT_ASAN:= $(UNIT_SRC:tests/unit/%.c=build/tests-asan/%)
# The unit tests that start threads (found by what they call, so a new threaded test
# joins by itself) also run under ThreadSanitizer.
UNIT_TSAN_SRC := $(shell grep -l 'pthread_create' $(UNIT_SRC))
UNIT_TSAN:= $(UNIT_TSAN_SRC:tests/unit/%.c=build/tests-tsan/%)
TSAN_OBJ := $(SRC:src/%.c=build/tsan/%.o) build/tsan/ui_assets.o

.PHONY: all asan unit unit-asan unit-tsan test test-run deps integration integration-postgres browser clean format fuzz fuzz-smoke format format-check bench
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

build/tsan/%.o: src/%.c $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(TSAN) -c -o $@ $<

# Dashboard assets compiled into the binary (see tools/embed_assets.sh).
build/gen/ui_assets.c: tools/embed_assets.sh $(UI_FILES)
	@mkdir -p $(dir $@)
	sh tools/embed_assets.sh src/ui > $@

build/obj/ui_assets.o: build/gen/ui_assets.c
	$(CC) $(CFLAGS_BASE) $(OPT) -c -o $@ $<
build/asan/ui_assets.o: build/gen/ui_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN) -c -o $@ $<
build/tsan/ui_assets.o: build/gen/ui_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(TSAN) -c -o $@ $<

build/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) -o $@ $< $(OBJ) $(LDLIBS) -lcmocka

build/tests-asan/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN) -o $@ $< $(ASAN_OBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

build/tests-tsan/%: tests/unit/%.c $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(TSAN) -o $@ $< $(TSAN_OBJ) $(LDLIBS) -lcmocka

unit-asan: $(UNIT_ASAN)
	@set -e; for t in $(UNIT_ASAN); do echo "== $$t"; $$t; done

# Any report fails the run (halt_on_error, distinct exit status). setarch -R: this
# TSan's fixed shadow layout does not fit the address-space randomisation of newer
# kernels ("unexpected memory mapping"); the tests do not need ASLR.
TSAN_RUN := env TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/unit/tsan.supp" setarch $$(uname -m) -R
unit-tsan: $(UNIT_TSAN)
	@set -e; for t in $(UNIT_TSAN); do echo "== $$t"; $(TSAN_RUN) $$t; done

# npm packages for the black-box tests, from the committed lockfile.
tests/integration/node_modules/.installed: tests/integration/package-lock.json
	cd tests/integration && npm ci --no-audit --no-fund
	touch $@

# The integration suite runs against the ASan+UBSan build: every request the
# tests make is also a sanitizer check (the harness fails on any report, and on a
# server that does not exit 0). TENANTD_TEST_BACKEND states which backend this stage
# tests; the harness refuses to run on another one (and checks each server's word).
integration: build/asan/tenantd tests/integration/node_modules/.installed
	TENANTD_TEST_BACKEND=sqlite TENANTD_BIN=$(CURDIR)/build/asan/tenantd node --test --test-concurrency=2 \
	  $$(find tests/integration -maxdepth 1 -name '*.test.mjs' | sort)

# The same suite on PostgreSQL (plus multinode.test.mjs, which registers its tests
# only there): scripts/with-postgres.sh starts a throwaway cluster (C locale, Unix
# socket only) and removes it afterwards, also on failure. Also against the sanitizer
# build, so store/db_postgres.c and the PostgreSQL paths run under ASan+UBSan too (a
# few seconds more than the plain build). PG_TEST_BIN=build/tenantd for a quick run.
PG_TEST_BIN ?= build/asan/tenantd
integration-postgres: $(PG_TEST_BIN) tests/integration/node_modules/.installed
	TENANTD_TEST_BACKEND=postgres scripts/with-postgres.sh env TENANTD_BIN=$(abspath $(PG_TEST_BIN)) \
	  node --test --test-concurrency=2 $$(find tests/integration -maxdepth 1 -name '*.test.mjs' | sort)

# Dashboard end-to-end tests: Playwright (playwright-core) driving Debian's chromium.
browser: build/asan/tenantd tests/integration/node_modules/.installed
	TENANTD_TEST_BACKEND=sqlite TENANTD_BIN=$(CURDIR)/build/asan/tenantd node --test --test-concurrency=1 \
	  $$(find tests/browser -maxdepth 1 -name '*.test.mjs' | sort)

# `make test` works on a fresh Debian 12 machine: it first installs what is missing.
deps:
	scripts/install-deps.sh

test: deps
	$(MAKE) -j2 build/tenantd build/asan/tenantd $(UNIT_BIN) $(UNIT_ASAN) $(UNIT_TSAN) $(FUZZ_BIN)
	$(MAKE) test-run

test-run: format-check unit unit-asan unit-tsan integration integration-postgres browser fuzz-smoke

# libFuzzer harnesses (clang): `make fuzz FUZZ_SECONDS=30` runs each for that long.
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ  := $(SRC:src/%.c=build/fuzz-obj/%.o) build/fuzz-obj/ui_assets.o
# -fno-sanitize-recover=undefined: a UBSan report aborts the harness (a crash libFuzzer
# saves and fails on) instead of being printed while the run counts as ok.
FUZZ_FLAGS:= -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 20
build/fuzz-obj/%.o: src/%.c $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz-obj/ui_assets.o: build/gen/ui_assets.c
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(FUZZ_OBJ) $(LDLIBS)
# The objects are only named by the pattern rule above, which would make them
# intermediate files that make deletes after every build; keep them.
.SECONDARY: $(FUZZ_OBJ) $(TSAN_OBJ)
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
	  if grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' build/fuzz-smoke/$$n.log; then \
	    tail -n 40 build/fuzz-smoke/$$n.log; exit 1; fi; \
	  echo "== $$n: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' build/fuzz-smoke/$$n.log | grep -o '[0-9]*$$') runs, ok"; done

FORMAT_FILES = $$(find src tests/unit tests/fuzz -name '*.[ch]')
format:
	clang-format -i $(FORMAT_FILES)

# One style, enforced (.clang-format): CI fails on unformatted C.
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build
