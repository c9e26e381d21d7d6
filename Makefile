# mcprisk — plain Makefile with pkg-config.
#   make                 build ./mcprisk
#   make run             set up, build, refresh the bundled catalog, show it
#   make test            set up, build, run every test
#   make bench           benchmarks (see bench/)
#   make SANITIZE=address,undefined test    the same under ASan/UBSan
#   make DEVELOPER=1     add -Werror
#   make fuzz            libFuzzer (clang) on every parser, FUZZ_SECONDS each

PKGS     := libcurl jansson sqlite3 libpcre2-8 libcrypto libmicrohttpd
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wwrite-strings -Wimplicit-fallthrough
ifdef DEVELOPER
WARN     += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

VARIANT  := rel
SAN_FLAGS :=
ifdef SANITIZE
VARIANT  := san
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# The libFuzzer build (make fuzz): clang, ASan/UBSan, coverage hooks.
ifdef FUZZ
VARIANT  := fuzz
CC       := clang
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
             -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
BUILD    := build/$(VARIANT)

ALL_CFLAGS := -std=c17 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP
ALL_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)
LIBS     := $(PKG_LIBS) -lpthread -lm

MODULES  := util crawler classifier db report server cli
SRCS     := $(wildcard $(addsuffix /*.c,$(MODULES)))
# cli/ is the program, not the library: its files call cli_error() from
# cli/main.c, so unit tests, fixtures and benchmarks link without them.
LIB_SRCS := $(filter-out cli/%,$(SRCS))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
BIN      := $(BUILD)/mcprisk

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURE_BINS := $(FIXTURE_SRCS:tests/fixtures/%.c=$(BUILD)/fixtures/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all deps run test unit cli-test bench eval clean format snapshot npm-deps \
	fuzz fuzz-bins

all: mcprisk

mcprisk: $(BIN)
	@if [ "$(VARIANT)" = rel ]; then cp -f $(BIN) ./mcprisk; fi

$(BIN): $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

$(BUILD)/fixtures/%: tests/fixtures/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

# Fuzz targets: a corpus-replay main() normally, libFuzzer's under FUZZ.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(if $(FUZZ),-DFUZZING_LIBFUZZER \
		-fsanitize=fuzzer) -o $@ $< $(LIB_OBJS) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

# Debian packages for building and testing; quick when all are present.
deps:
	@sh tests/deps.sh

# Test peers from npm, pinned by tests/package-lock.json.
npm-deps:
	@sh tests/npm-deps.sh

# The main job: refresh the bundled default catalog offline, then show it.
RUN_DB ?= mcprisk.db
run: deps
	@$(MAKE) --no-print-directory all
	./mcprisk --db $(RUN_DB) refresh
	./mcprisk --db $(RUN_DB) servers
	./mcprisk --db $(RUN_DB) risk --top 15

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(FIXTURE_BINS) \
		$(FUZZ_BINS) $(BIN) $(BUILD)/bench/mcp_farm
	@$(MAKE) --no-print-directory npm-deps
	@MCPRISK=$(BIN) BUILD=$(BUILD) sh tests/run.sh

unit: $(UNIT_BINS) $(FIXTURE_BINS)
	@MCPRISK=$(BIN) BUILD=$(BUILD) ONLY=unit sh tests/run.sh

# Run every fuzz target for FUZZ_SECONDS on its corpus (tests/fuzz/).
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh build/fuzz/fuzz

fuzz-bins: $(FUZZ_BINS)

# Re-crawl the bundled snapshot from the pinned npm servers (data/servers).
snapshot: all
	MCPRISK=$(CURDIR)/mcprisk sh data/servers/regenerate.sh

bench: deps all
	@sh bench/run.sh

# Classifier quality on the labelled tools in tests/data/eval/.
eval: all
	@python3 tests/eval/eval.py --mcprisk ./mcprisk --rules data/rules

clean:
	rm -rf build mcprisk

format:
	clang-format -i $(SRCS) $(wildcard */*.h)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(FUZZ_BINS:=.d)
