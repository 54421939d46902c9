# Bastion: one non-recursive make for the kernel, the user runtime, every user
# image and the tests. Everything is built out of tree in $(BUILD)/.
#   make            build everything
#   make run        boot the default system in QEMU
#   make run-relay-chain  boot the relay chain example (user/apps/relay_chain/)
#   make test       host unit tests + in-QEMU suite; ends with "N passed, N failed"
#   make iso        bootable GRUB (Multiboot 2) ISO
#   make debug      QEMU halted with its gdb stub, plus a gdb script
#   make CC=clang   build with clang instead of gcc
#   make DEBUG=0    release kernel (no debug syscalls, no debug log lines)

BUILD ?= build
.DEFAULT_GOAL := all
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
LD := ld
NM := nm
DEBUG ?= 1
HOST_CC ?= gcc
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

WARN := -Wall -Wextra -Werror
COMMON_CFLAGS := -std=gnu11 $(WARN) -O2 -g -ffreestanding -fno-stack-protector -fno-pic \
    -fno-omit-frame-pointer -fno-builtin -nostdinc -I. -Iabi \
    -isystem $(shell $(CC) -print-file-name=include) \
    -mno-sse -mno-sse2 -mno-mmx -mno-avx -mno-80387 -fno-tree-vectorize
ifeq ($(DEBUG),1)
COMMON_CFLAGS += -DBASTION_DEBUG
endif
ifneq ($(findstring clang,$(CC)),)
COMMON_CFLAGS += -fno-addrsig
else
COMMON_CFLAGS += -fno-tree-loop-distribute-patterns
endif
KERNEL_CFLAGS := $(COMMON_CFLAGS) -mcmodel=kernel -mno-red-zone
# Link-time optimisation inlines the small helpers of the IPC path across files.
ifeq ($(findstring clang,$(CC)),)
KERNEL_CFLAGS += -flto=auto
endif
USER_CFLAGS := $(COMMON_CFLAGS) -mcmodel=small -fno-asynchronous-unwind-tables
# gcc links through the compiler driver so link-time optimisation can run; clang links with ld.
ifeq ($(findstring clang,$(CC)),)
KERNEL_LINK = $(CC) $(KERNEL_CFLAGS) -nostdlib -static -no-pie -Wl,-z,max-page-size=4096 \
    -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-T,kernel/arch/x86_64/linker.ld
else
KERNEL_LINK = $(LD) -nostdlib -z max-page-size=4096 -z noexecstack -T kernel/arch/x86_64/linker.ld
endif
USER_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T user/lib/user.ld

# ---------------------------------------------------------------- kernel
KERNEL_SRCS := $(wildcard kernel/arch/x86_64/*.c kernel/arch/x86_64/*.S kernel/core/*.c \
    kernel/object/*.c kernel/lib/*.c) lib/string.c lib/fmt.c lib/elf.c
KERNEL_OBJS := $(patsubst %,$(BUILD)/kobj/%.o,$(KERNEL_SRCS))

$(BUILD)/kobj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kobj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

# Two-pass link: the second pass carries the text symbol table for backtraces.
# The table lives at the end of rodata, after all text, so text addresses stay put.
$(BUILD)/kernel.elf: $(KERNEL_OBJS) kernel/arch/x86_64/linker.ld tools/gen-ksyms tools/check-kernel-layout
	@echo '  LD      $@'
	@mkdir -p $(BUILD)/ksyms
	$(Q)tools/gen-ksyms /dev/null > $(BUILD)/ksyms/empty.S
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $(BUILD)/ksyms/empty.S -o $(BUILD)/ksyms/empty.o
	$(Q)$(KERNEL_LINK) -o $(BUILD)/ksyms/pass1.elf $(KERNEL_OBJS) $(BUILD)/ksyms/empty.o
	$(Q)$(NM) -n --defined-only $(BUILD)/ksyms/pass1.elf | tools/gen-ksyms - > $(BUILD)/ksyms/ksyms.S
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $(BUILD)/ksyms/ksyms.S -o $(BUILD)/ksyms/ksyms.o
	$(Q)$(KERNEL_LINK) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms/ksyms.o
	$(Q)tools/check-kernel-layout $@ $(BUILD)/ksyms/pass1.elf

# ---------------------------------------------------------------- user
USER_LIB_SRCS := user/lib/crt0.S $(filter-out user/lib/crt0.S,$(wildcard user/lib/*.c)) lib/string.c lib/fmt.c lib/elf.c
USER_LIB_OBJS := $(patsubst %,$(BUILD)/uobj/%.o,$(USER_LIB_SRCS))

$(BUILD)/uobj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC [u]  $<'
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/uobj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo '  CC [u]  $<'
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

# user_program(name, sources): build/user/<name>.elf
define user_program
$(BUILD)/user/$(1).elf: $(patsubst %,$(BUILD)/uobj/%.o,$(2)) $(USER_LIB_OBJS) user/lib/user.ld
	@mkdir -p $$(dir $$@)
	@echo '  LD      $$@'
	$(Q)$(LD) $(USER_LDFLAGS) -o $$@ $(USER_LIB_OBJS) $(patsubst %,$(BUILD)/uobj/%.o,$(2))
USER_IMAGES += $(BUILD)/user/$(1).elf
endef

# The FPU suite's SSE test is the one user file compiled with SSE code generation (docs/threads-and-devices.md).
$(BUILD)/uobj/tests/target/fpu_sse.c.o: USER_CFLAGS += -msse -msse2 -mfpmath=sse -fno-math-errno -ftree-vectorize

$(eval $(call user_program,init,$(wildcard user/init/*.c)))
$(eval $(call user_program,test-root,$(wildcard tests/target/*.c)))
$(eval $(call user_program,fuzz-root,$(wildcard tests/fuzz/*.c)))
$(eval $(call user_program,bench-root,$(wildcard bench/bastion/*.c)))
$(eval $(call user_program,bench-server,$(wildcard bench/server/*.c)))
$(eval $(call user_program,bench-copy,$(wildcard bench/copy/*.c)))
$(eval $(call user_program,test-child,$(wildcard tests/child/*.c)))
$(eval $(call user_program,uart,$(wildcard user/servers/uart/*.c)))
# Examples (user/apps/): a root task and the modules it spawns.
$(eval $(call user_program,relay-chain,user/apps/relay_chain/main.c))
$(eval $(call user_program,relay-stage,user/apps/relay_chain/stage.c))

# ---------------------------------------------------------------- the Linux side of make bench
# bench/linux/bench.c: one static program built with the host compiler. It writes
# its own initramfs (itself as /init, /proc, /dev/console), so neither cpio nor
# root is needed. The kernel is Debian's, fetched by scripts/fetch-linux.
LINUX_BENCH := $(BUILD)/bench/linux

$(LINUX_BENCH)/bench: bench/linux/bench.c
	@mkdir -p $(dir $@)
	@echo '  HOSTCC  $@'
	$(Q)$(HOST_CC) -std=gnu11 $(WARN) -O2 -static -pthread -o $@ $<

$(LINUX_BENCH)/initramfs.cpio.gz: $(LINUX_BENCH)/bench
	@echo '  CPIO    $@'
	$(Q)$< --initramfs $(LINUX_BENCH)/initramfs.cpio
	$(Q)gzip -9 -n -f $(LINUX_BENCH)/initramfs.cpio

# ---------------------------------------------------------------- top-level targets
.PHONY: all run run-relay-chain test test-host test-target iso debug bench clean deps-check fuzz
all: $(BUILD)/kernel.elf $(USER_IMAGES)

# QEMU exits with (v << 1) | 1 for the kernel's shutdown value v: 1 is a clean power-off.
run: all
	@status=0; tools/qemu-run --kernel $(BUILD)/kernel.elf \
	    --modules $(BUILD)/user/init.elf,$(BUILD)/user/uart.elf || status=$$?; \
	if [ $$status -eq 1 ] || [ $$status -eq 0 ]; then echo "run: the system powered off cleanly"; \
	else echo "run: QEMU exited with status $$status (the root task's status is $$(( (status - 1) / 2 )) if odd)"; exit 1; fi

# The relay chain example (user/apps/relay_chain/, docs/relay.md): A -> B -> C with one relay segment.
run-relay-chain: all
	tools/qemu-run --kernel $(BUILD)/kernel.elf --modules $(BUILD)/user/relay-chain.elf,$(BUILD)/user/relay-stage.elf

include tests/host/host.mk

test: all
	tools/run-tests $(BUILD)

test-target: all
	tools/target-tests $(BUILD)

iso: all
	tools/make-iso $(BUILD)

# The hostile fuzzer (tests/fuzz/): one boot per seed, each making CALLS system
# calls; FLAGS are extras of fuzz.h ("all" reaches the known holes of issue 9).
SEEDS ?= 1 2 3 4 5 6 7 8 9 10
CALLS ?= 1000000
FLAGS ?=
fuzz: all
	tools/fuzz --build $(BUILD) --calls $(CALLS) $(if $(FLAGS),--flags $(FLAGS)) $(SEEDS)

debug: all
	tools/qemu-debug $(BUILD)

bench: all $(LINUX_BENCH)/initramfs.cpio.gz
	tools/bench $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
