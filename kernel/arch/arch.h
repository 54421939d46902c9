/*
 * The narrow interface between the architecture-neutral kernel (core/, object/)
 * and one architecture (arch/<name>/). Nothing else from arch/ may be included
 * outside arch/.
 */
#ifndef BASTION_ARCH_H
#define BASTION_ARCH_H

#include <bastion/types.h>
#include "kernel/arch/x86_64/arch_types.h" /* struct user_context */

struct tcb;

/* Boot-time facts gathered by the architecture for the core. */
#define ARCH_MAX_MEM_REGIONS 64
#define ARCH_MAX_MODULES 16

struct mem_region {
    uint64_t base;
    uint64_t size;
};

struct boot_module {
    uint64_t paddr;
    uint64_t size;
    char name[48];
};

struct boot_params {
    struct mem_region ram[ARCH_MAX_MEM_REGIONS]; /* usable RAM, as the firmware said */
    unsigned ram_count;
    struct mem_region reserved[ARCH_MAX_MEM_REGIONS + 4]; /* kernel, modules, boot data */
    unsigned reserved_count;
    struct boot_module modules[ARCH_MAX_MODULES];
    unsigned module_count;
    char cmdline[256];
    const char *loader; /* "multiboot" or "multiboot2" */
};

/* Fills params from the boot loader's information; false if the loader is unknown. */
bool arch_parse_boot_info(struct boot_params *params, uint32_t magic, uint64_t info_phys);

/* Serial debug line (kernel log and panics only). */
void arch_serial_init(void);
void arch_serial_putc(char c);

/* Physical memory access through the kernel's physical map. */
#ifdef BASTION_HOST_TEST
void *arch_phys_to_virt(uint64_t paddr); /* the kernel's is inline (arch_types.h) */
#endif

/* True if [p, p + size) lies in the physical map (checks of untrusted links, debug). */
bool arch_phys_map_contains(const void *p, size_t size);

/* CPU. */
void arch_cpu_init(void);
uint64_t arch_cpu_features(void);          /* BST_CPU_* bits in use */
const char *arch_cpu_vendor_model(void);
uint64_t arch_read_timestamp(void);
void arch_halt_forever(void) __attribute__((noreturn));
void arch_shutdown(uint64_t status) __attribute__((noreturn));

/* Memory management. */
/* Builds the kernel's final page tables (physical map + W^X image) and switches to them. */
void arch_mmu_init(uint64_t max_phys, uint64_t (*alloc_page)(void));
uint64_t arch_kernel_vspace_root(void);
/* Boot: checks the kernel's own mappings and protection bits (every build); returns the violations found. */
unsigned arch_mmu_self_check(void);
/* Tests (test.panic=write-*): writes to something read-only after boot (the same value back); must fault. */
enum arch_protected { ARCH_PROTECTED_IDT, ARCH_PROTECTED_TEXT_PHYSMAP, ARCH_PROTECTED_PAGE_TABLE };
void arch_debug_write_protected(enum arch_protected what);

/* User address spaces (page-table roots are physical addresses). */
#define ARCH_MAP_READ  (1u << 0)
#define ARCH_MAP_WRITE (1u << 1)
#define ARCH_MAP_EXEC  (1u << 2)
#define ARCH_MAP_USER  (1u << 3)
uint64_t arch_vspace_create(uint64_t (*alloc_page)(void));
/* Returns 0, or a negative reason: ARCH_MAP_E_WX, ARCH_MAP_E_RANGE, ARCH_MAP_E_MAPPED, ARCH_MAP_E_NOMEM. */
int arch_vspace_map_page(uint64_t root, uint64_t vaddr, uint64_t paddr, unsigned perms,
                         uint64_t (*alloc_page)(void));
#define ARCH_MAP_E_WX -1
#define ARCH_MAP_E_RANGE -2
#define ARCH_MAP_E_MAPPED -3
#define ARCH_MAP_E_NOMEM -4
void arch_vspace_activate(uint64_t root);
/* The current thread now runs in root; 0: the kernel's (it has none, so its next user access faults). */
void arch_vspace_switch(uint64_t root);
/* The same, always loading CR3: the TLB holds nothing of any user address space afterwards. */
void arch_vspace_load(uint64_t root);

/*
 * Address spaces built from capabilities (object/frame.c, object/pagetable.c).
 * Levels count up from the leaf: a level-0 table holds 4 KiB pages, a level-1
 * table holds level-0 tables or 2 MiB pages, and so on up to the root at
 * ARCH_VSPACE_LEVELS - 1. "The entry at level L for vaddr" is the slot of
 * the level-L table that vaddr selects. Every paging structure is one zeroed
 * page, named by its physical address; a zero entry is an empty one. Only
 * user addresses (below arch_vspace_user_end()) are ever walked or changed:
 * the kernel's half is shared by every root.
 */
#define ARCH_VSPACE_LEVELS 4
#define ARCH_VSPACE_INDEX_BITS 9     /* address bits one level translates */
#define ARCH_MAP_UNCACHED (1u << 4)  /* leaf attributes, on top of ARCH_MAP_READ.. */
#define ARCH_MAP_WRITE_THROUGH (1u << 5)

enum arch_entry_kind { ARCH_ENTRY_EMPTY, ARCH_ENTRY_TABLE, ARCH_ENTRY_LEAF };
struct arch_entry {
    unsigned level;            /* where the walk stopped */
    enum arch_entry_kind kind;
    uint64_t paddr;            /* the table or frame the entry points to */
};

/* First user address that is never mapped: [page 1, end) is the user range. */
uint64_t arch_vspace_user_end(void);
/* Makes a zeroed page an address-space root that shares the kernel's half. */
void arch_vspace_init_root(uint64_t root);
/* Walks from root toward vaddr down to the entry at level; stops early at an empty entry or a leaf. */
struct arch_entry arch_vspace_lookup(uint64_t root, uint64_t vaddr, unsigned level);
/* Fill an empty entry whose path exists (checked with lookup); false, changing nothing, otherwise. */
bool arch_vspace_set_table(uint64_t root, uint64_t vaddr, unsigned level, uint64_t table);
bool arch_vspace_set_leaf(uint64_t root, uint64_t vaddr, unsigned level, uint64_t frame, unsigned attrs);
/* Empties the entry at level if it still points to paddr and invalidates the TLB; true if it did. */
bool arch_vspace_clear(uint64_t root, uint64_t vaddr, unsigned level, uint64_t paddr);
/* Empties the whole user half of a root that is being destroyed and stops using it. */
void arch_vspace_clear_user(uint64_t root);

/*
 * Relay segments (object/relay.c). A segment of 2^size_bits bytes at data has
 * three page tables of its own (top, middle, leaf: paddrs of zeroed pages).
 * Init links them and maps every granule of the segment (4 KiB pages up to
 * BST_RELAY_SMALL_PAGE_MAX_BITS, 2 MiB pages above; user, writable, never
 * executable); show makes granules [first, first + count) present or absent.
 * The relay window of an address space (one top-level slot, above
 * arch_vspace_user_end) is filled only here: window_set points it at a
 * segment's top table (0: empty) and flushes the TLB if root is current.
 */
struct arch_relay_tables {
    uint64_t top, middle, leaf;
};
void arch_relay_tables_init(const struct arch_relay_tables *t, uint64_t data, unsigned size_bits);
void arch_relay_tables_show(const struct arch_relay_tables *t, uint64_t data, unsigned size_bits, uint64_t first,
                            uint64_t count, bool present);
void arch_relay_window_set(uint64_t root, uint64_t top);
/* The same without the TLB flush: the caller loads CR3 next (arch_vspace_load). */
void arch_relay_window_write(uint64_t root, uint64_t top);
/*
 * XCall and XRet's usual case, without the TLB flush (the caller loads CR3
 * next): the window of root `from` shows top and that of `to` is empty; the
 * entry moves from one to the other. False, and nothing written, otherwise.
 */
bool arch_relay_window_move(uint64_t from, uint64_t to, uint64_t top);
uint64_t arch_relay_window(uint64_t root); /* the top table the window points at, 0 if empty */
/* How many address spaces have a filled window: while none has, a switch has nothing to check. */
extern unsigned arch_relay_windows_filled;
uint64_t arch_relay_window_base(void);

/* Time and interrupts. */
void arch_timer_init(void);
uint64_t arch_tsc_hz(void);
uint64_t arch_timer_hz(void);
/* True when a timer or device interrupt is waiting for the kernel to enable interrupts
 * (long operations stop at their preemption points then: core/preempt.h). */
bool arch_interrupt_pending(void);

/* Threads: user register contexts and the switch to user mode. */
void arch_context_init_user(struct user_context *ctx, uint64_t entry, uint64_t stack,
                            uint64_t arg0, uint64_t arg1);
/*
 * The first count registers, in the order of abi/bastion/tcb.h (count is at
 * most BST_TCB_REGISTER_COUNT). A write sanitises the flags register (only
 * user-settable flags; interrupts always on) and makes the thread's next exit
 * restore every register; the caller has checked the instruction and stack
 * pointers with arch_user_address_ok.
 */
void arch_context_read(const struct user_context *ctx, uint64_t *words, unsigned count);
void arch_context_write(struct user_context *ctx, const uint64_t *words, unsigned count);
/*
 * XCall and XRet (core/xcall.c; registers as abi/bastion/relay.h says):
 * arch_call_save, arch_call_enter, arch_call_results and arch_call_return
 * are inline in the architecture's arch_types.h, because they sit on the
 * XCall fast path.
 */

/* True for an address in the user half (below BST_USER_ADDR_TOP). */
bool arch_user_address_ok(uint64_t vaddr);

/* Device interrupt lines (IOAPIC inputs); each is masked until its driver acks it. */
#define ARCH_IRQ_LINES 24u
void arch_irq_mask(unsigned irq);
void arch_irq_unmask(unsigned irq);
/* Lines the kernel keeps for itself: never handed to user level. */
bool arch_irq_reserved(unsigned irq);

/*
 * I/O ports user mode may use (object/ioport.c decides which). Load opens
 * exactly these ranges from now on and closes the ones loaded before; the
 * work is proportional to the ranges, not to the port space. At most
 * ARCH_IO_RANGES ranges at once. An architecture without port I/O does nothing.
 */
#define ARCH_IO_RANGES 4u
struct arch_port_range {
    uint16_t first, last; /* inclusive */
};
void arch_io_ports_load(const struct arch_port_range *ranges, unsigned count);
/*
 * Ports the kernel drives itself (interrupt controllers, timers, power-off,
 * its log line): never handed to user level. True if [first, last] touches
 * one; *reserved is then the kernel's range it touches (the lowest such).
 */
bool arch_io_ports_reserved(uint16_t first, uint16_t last, struct arch_port_range *reserved);

/* System call arguments and results, in the register convention of abi/bastion/syscall.h. */
struct syscall_args {
    uint64_t number;
    uint64_t arg[6];
};
void arch_syscall_args(const struct user_context *ctx, struct syscall_args *out);
/* The error register alone, and the call number a thread entered with. */
static inline void arch_set_error(struct user_context *ctx, uint64_t error) { ctx->rax = error; }
static inline uint64_t arch_syscall_number(const struct user_context *ctx) { return ctx->rax; }

/* IPC: the badge register of a receive (rdi); a sender's message info and words 0-3;
 * a thread's stack pointer (fault messages). */

/* Invocation results: rax = error, rsi = message info, rdx, r10, r8, r9 = words 0-3. */

/* A user fault, decoded by the architecture for the arch-neutral fault path. */
enum fault_kind { FAULT_PAGE, FAULT_PROTECTION, FAULT_INVALID_OPCODE, FAULT_DIVIDE, FAULT_OTHER };
struct fault_info {
    enum fault_kind kind;
    uint64_t vector, error_code, address, ip;
    bool write, exec, present;
    bool on_code; /* the faulting address is in an executable page */
};
void arch_fault_describe(const struct fault_info *f, char *buffer, size_t size);
/* Switches to tcb (0: idle): its address space, its register context, its FPU state. */
void arch_set_current(struct tcb *tcb);
/* A thread's FPU state becomes the architectural initial state (tcb_init). */
void arch_fpu_reset(struct tcb *tcb);
/* A dying TCB: the kernel never saves FPU state into its memory again. */
void arch_fpu_release(struct tcb *tcb);
void arch_return_to_user(void) __attribute__((noreturn));
void arch_idle(void) __attribute__((noreturn));

#endif
