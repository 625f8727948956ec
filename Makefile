# medusa-c: plain GNU make. `make` builds, `make run` runs the stack in the
# foreground, `make test` runs every test, `make bench` measures.
# SANITIZE=address,undefined builds into build-san/ with sanitizers.

CC ?= cc
SANITIZE ?=
PORT ?= 8080
WORKERS ?= 2

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE $(WARN) -I. $(shell pkg-config --cflags libmariadb 2>/dev/null) -I/usr/include/mariadb
LIBS := -lfcgi -ljson-c -lmariadb -lcrypto

ifeq ($(SANITIZE),)
BUILD := build
OPT := -O2 -g
else
BUILD := build-san
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined
endif

CFLAGS ?=
ALL_CFLAGS := $(CFLAGS_BASE) $(OPT) $(CFLAGS)
LDFLAGS_ALL := $(OPT) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
SQL_SRC := $(wildcard sql/*.c)
CGI_SRC := $(wildcard cgi/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SQL_OBJ := $(SQL_SRC:%.c=$(BUILD)/%.o)
CGI_OBJ := $(CGI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

BIN := $(BUILD)/medusa-c

.PHONY: all run start stop test unit deps clean bench status fuzz soak valgrind cluster-test
FUZZ_SECONDS ?= 60
SOAK_SECONDS ?= 600
all: $(BIN) $(UNIT_BIN) $(BUILD)/bench/ceiling

$(BUILD)/%.o: %.c $(wildcard common/*.h sql/*.h cgi/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BIN): $(CGI_OBJ) $(SQL_OBJ) $(COMMON_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(COMMON_OBJ) tests/unit/harness.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(COMMON_OBJ) $(LDFLAGS_ALL) $(LIBS)

# The bench yardstick: transport + the same SQL round trips, nothing else (tests/bench/ceiling.c).
$(BUILD)/bench/ceiling: tests/bench/ceiling.c sql/cart_read_sql.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LDFLAGS_ALL) $(LIBS)

# Installs the Debian packages the stack needs (as root), or prints the apt-get line.
deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	BIN=$(abspath $(BIN)) PORT=$(PORT) WORKERS=$(WORKERS) scripts/stack.sh run

start: deps
	@$(MAKE) --no-print-directory all
	BIN=$(abspath $(BIN)) PORT=$(PORT) WORKERS=$(WORKERS) scripts/stack.sh start

stop:
	scripts/stack.sh stop

# Imports a catalogue file (docs/IMPORT.md) into the running local stack's database.
SEED ?= demo/catalogue.json
.PHONY: seed
seed:
	@$(MAKE) --no-print-directory $(BIN)
	BIN=$(abspath $(BIN)) scripts/stack.sh seed $(SEED)

status:
	scripts/stack.sh status

unit: $(UNIT_BIN)
	@tests/run.sh --unit-only $(UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BIN)) SANITIZE=$(SANITIZE) tests/run.sh $(UNIT_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BIN)) tests/bench/run.sh

# libFuzzer targets (clang): N seconds each; fuzz_request against a throwaway stack
fuzz: all
	@tests/fuzz/run.sh $(FUZZ_SECONDS) fuzz_body fuzz_token fuzz_cookie fuzz_query fuzz_qengine
	@BIN=$(abspath $(BIN)) tests/fuzz/request.sh $(FUZZ_SECONDS)

# mixed workload for SOAK_SECONDS: error count and worker RSS at start and end
soak: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BIN)) tests/soak/run.sh $(SOAK_SECONDS)

# one worker under valgrind memcheck serving a few hundred mixed requests
valgrind: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BIN)) tests/valgrind/run.sh

# a 3-node Galera cluster on loopback, two pools, one nginx upstream, and the cluster tests
cluster-test: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BIN)) tests/cluster/run.sh

# the v1 Next.js starter storefront driven by Debian's chromium (tests/storefront/run.sh)
.PHONY: storefront-test
storefront-test: deps
	@$(MAKE) --no-print-directory $(BIN)
	@BIN=$(abspath $(BIN)) tests/storefront/run.sh

clean:
	rm -rf build build-san build-fuzz
