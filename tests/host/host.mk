# Host unit tests (included by the top Makefile).
#   make test-host    build $(BUILD)/tests/host/test_* and run them all; the last
#                     line is "host: N passed, N failed" (tools/host-tests)
#
# Each test is one cmocka program, tests/host/test_<unit>.c, linked with the real
# architecture-independent sources it tests. They are compiled from where they
# are (nothing is copied) with the host compiler, AddressSanitizer and UBSan.
#
# lib/string.c defines memset, memcpy, strlen, ... which would clash with the C
# library on the host: whichever the linker picks, either our functions would
# quietly replace libc's for the whole program (cmocka and the sanitizer runtime
# included) or the tests would exercise libc instead of our code. So lib/string.c
# and its test are compiled with -D<name>=bst_<name> for every function of
# lib/string.h: the source and header stay as they are, the test calls
# bst_memcpy() etc. and really exercises our code, and everything else, including
# the other units under test, keeps libc's versions (which ASan checks too).
# objcopy --prefix-symbols would be the other way, but it also renames the
# sanitizer runtime calls the compiler inserts (__asan_*, __ubsan_*).

HOST_BUILD := $(BUILD)/tests/host
HOST_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 $(WARN) -g -O1 -fno-omit-frame-pointer $(HOST_SANITIZE) -I. -Iabi -DBASTION_HOST_TEST
HOST_LDLIBS := -lcmocka

HOST_STRING_FUNCS := memset memcpy memmove memcmp strlen strnlen strcmp strncmp strlcpy \
    strstr_bounded
HOST_STRING_RENAMES := -fno-builtin $(foreach f,$(HOST_STRING_FUNCS),-D$(f)=bst_$(f))

HOST_TESTS :=

# host_test(unit, sources under test): $(HOST_BUILD)/test_<unit>
define host_test
$(HOST_BUILD)/test_$(1): $(patsubst %,$(HOST_BUILD)/obj/%.o,tests/host/test_$(1).c $(2))
	@echo '  LD [h]  $$@'
	$(Q)$(HOST_CC) $(HOST_SANITIZE) -o $$@ $$^ $(HOST_LDLIBS)
HOST_TESTS += $(HOST_BUILD)/test_$(1)
endef

$(eval $(call host_test,string,lib/string.c))
$(eval $(call host_test,fmt,lib/fmt.c))
$(eval $(call host_test,bootmem,kernel/core/bootmem.c))
$(eval $(call host_test,elf,lib/elf.c))
$(eval $(call host_test,ksyms,kernel/lib/ksyms.c))
$(eval $(call host_test,sched,kernel/core/sched.c kernel/lib/log.c lib/fmt.c tests/host/stub_serial.c))

# The capability core, linked from its real sources; tests/host/cap_env.c stands in for the
# rest of the kernel (arch, object hooks, scheduler). Compiled as the default debug kernel is.
HOST_CAP_CORE := kernel/core/cdt.c kernel/core/cspace.c kernel/core/delete.c kernel/core/invoke.c \
    kernel/core/exchange.c kernel/core/invariant.c kernel/core/asid.c kernel/object/untyped.c \
    kernel/object/cnode.c kernel/object/cap.c
HOST_CAP_ENV := kernel/lib/log.c lib/fmt.c tests/host/stub_serial.c tests/host/cap_env.c
$(eval $(call host_test,cdt,kernel/core/cdt.c))
$(eval $(call host_test,asid,kernel/core/asid.c))
$(eval $(call host_test,cspace,$(HOST_CAP_CORE) $(HOST_CAP_ENV)))
$(eval $(call host_test,invoke,$(HOST_CAP_CORE) $(HOST_CAP_ENV)))
$(eval $(call host_test,cap_random,$(HOST_CAP_CORE) $(HOST_CAP_ENV)))
$(patsubst %,$(HOST_BUILD)/obj/%.o,$(HOST_CAP_CORE)): HOST_EXTRA_CFLAGS := -DBASTION_DEBUG

# docs/invocations.md is generated from the rights table (abi/bastion/rights.h) by
# tools/invdoc; `make invocations-doc` rewrites it, test_rights fails while they differ.
INVOCATIONS_DOC_GEN := $(HOST_BUILD)/gen-invocations-doc
$(INVOCATIONS_DOC_GEN): $(patsubst %,$(HOST_BUILD)/obj/%.o,tools/invdoc/main.c tools/invdoc/invocations_doc.c)
	@echo '  LD [h]  $@'
	$(Q)$(HOST_CC) $(HOST_SANITIZE) -o $@ $^
.PHONY: invocations-doc
invocations-doc: $(INVOCATIONS_DOC_GEN)
	@echo '  GEN     docs/invocations.md'
	$(Q)$(INVOCATIONS_DOC_GEN) > docs/invocations.md.tmp && mv docs/invocations.md.tmp docs/invocations.md
$(eval $(call host_test,rights,tools/invdoc/invocations_doc.c))
$(HOST_BUILD)/obj/tests/host/test_rights.c.o: HOST_EXTRA_CFLAGS := -DBASTION_SOURCE_DIR='"$(CURDIR)"'

$(HOST_BUILD)/obj/lib/string.c.o $(HOST_BUILD)/obj/tests/host/test_string.c.o: \
    HOST_EXTRA_CFLAGS := $(HOST_STRING_RENAMES)

$(HOST_BUILD)/obj/%.c.o: %.c | host-cmocka
	@mkdir -p $(dir $@)
	@echo '  CC [h]  $<'
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(HOST_EXTRA_CFLAGS) -MMD -MP -c $< -o $@

.PHONY: host-cmocka
host-cmocka:
	@mkdir -p $(HOST_BUILD)
	@printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <cmocka.h>\nint main(void) { print_message("%%s", ""); return 0; }\n' | \
	    $(HOST_CC) -x c - -lcmocka -o $(HOST_BUILD)/cmocka-probe 2>/dev/null || \
	    { echo 'cmocka is missing. Install it with: sudo scripts/install-deps' >&2; exit 1; }
	@rm -f $(HOST_BUILD)/cmocka-probe

test-host: $(HOST_TESTS) tools/host-tests
	$(Q)tools/host-tests $(HOST_TESTS)
