# protobuf_fdw: PGXS build.
#
#   make            build the extension
#   make install    install it into the PostgreSQL found by PG_CONFIG
#   make installcheck  run the pg_regress suite (needs a running server; see scripts/test.sh)
#   make test       everything a new user or CI needs: deps, build, install, unit + regress tests
#   make demo       a one-command tour on a throw-away cluster
#   make unit       the unit tests of the pure-C modules (no server needed)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) each (test/fuzz/README.md)

MODULE_big = protobuf_fdw
EXTENSION = protobuf_fdw
DATA = $(wildcard sql/protobuf_fdw--*.sql)
PGFILEDESC = "protobuf_fdw - foreign data wrapper for protobuf files"

# descriptor.proto compiled by protoc-c at build time: src/schema.c reads descriptor sets with
# protobuf-c.
PROTOBUF_INCLUDE ?= /usr/include
DESCRIPTOR_PROTO = $(PROTOBUF_INCLUDE)/google/protobuf/descriptor.proto
GEN_DIR = src/gen
GEN_OBJS = $(GEN_DIR)/google/protobuf/descriptor.pb-c.o

SRCS = $(wildcard src/*.c src/stream/*.c src/parquet/*.c)
OBJS = $(GEN_OBJS) $(SRCS:.c=.o)

# Every sql/<topic>.sql except the extension scripts is a regression test.
REGRESS = $(sort $(filter-out protobuf_fdw--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=protobuf_fdw

PG_CPPFLAGS = -I$(srcdir)/src -I$(GEN_DIR)
PG_CFLAGS = -std=gnu99
SHLIB_LINK = -lprotobuf-c -lzstd -lsnappy -lz -llz4 -lbrotlienc -pthread
# Export only the magic block and the SQL-callable functions: the list, and why, in exports.txt.
SHLIB_EXPORTS = exports.txt
EXTRA_CLEAN = exports.list

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(GEN_DIR)/google/protobuf/descriptor.pb-c.c $(GEN_DIR)/google/protobuf/descriptor.pb-c.h: $(DESCRIPTOR_PROTO)
	@mkdir -p $(GEN_DIR)
	protoc-c --c_out=$(GEN_DIR) -I$(PROTOBUF_INCLUDE) google/protobuf/descriptor.proto

# The pure-C layers (src/stream/, src/parquet/) check their invariants with assert(): they
# include no PostgreSQL header, so no Assert.  Like Assert, the checks are compiled only into a
# server built with --enable-cassert (USE_ASSERT_CHECKING) and into the sanitizer build
# (COPT=-fsanitize=..., test/sanitize/run.sh); the unit tests and fuzz targets build them in
# too.  A production build pays nothing in its per-record and per-value loops.
PURE_SRCS = $(wildcard src/stream/*.c src/parquet/*.c)
ifeq ($(findstring -fsanitize,$(COPT))$(shell grep -s '^\#define USE_ASSERT_CHECKING' '$(shell $(PG_CONFIG) --includedir-server)/pg_config.h'),)
$(PURE_SRCS:.c=.o) $(PURE_SRCS:.c=.bc): override CPPFLAGS += -DNDEBUG
endif

# PGXS tracks no header dependencies: rebuild everything when any header changes.
$(SRCS:.c=.o): $(GEN_DIR)/google/protobuf/descriptor.pb-c.h $(wildcard src/*.h src/stream/*.h src/parquet/*.h)

clean: clean-gen
clean-gen:
	rm -rf $(GEN_DIR)
	$(MAKE) -C test/unit clean

.PHONY: test demo unit fuzz bench clean-gen
test:
	scripts/test.sh
demo:
	scripts/demo.sh
unit:
	$(MAKE) -C test/unit check
FUZZ_SECONDS ?= 60
fuzz: $(GEN_DIR)/google/protobuf/descriptor.pb-c.h
	$(MAKE) -C test/fuzz run SECONDS=$(FUZZ_SECONDS)
bench:
	bench/run.sh
