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
void *arch_phys_to_virt(uint64_t paddr);

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
/* Debug: checks the kernel's own mappings and protection bits; returns the violations found. */
unsigned arch_mmu_self_check(void);

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

/* Time and interrupts. */
void arch_timer_init(void);
uint64_t arch_tsc_hz(void);
uint64_t arch_timer_hz(void);

/* Threads: user register contexts and the switch to user mode. */
void arch_context_init_user(struct user_context *ctx, uint64_t entry, uint64_t stack,
                            uint64_t arg0, uint64_t arg1);

/* System call arguments and results, in the register convention of abi/bastion/syscall.h. */
struct syscall_args {
    uint64_t number;
    uint64_t arg[6];
};
void arch_syscall_args(const struct user_context *ctx, struct syscall_args *out);
void arch_syscall_set_result(struct user_context *ctx, uint64_t error, uint64_t result0,
                             uint64_t result1);
/* Invocation results: rax = error, rsi = message info, rdx, r10, r8, r9 = words 0-3. */
void arch_invocation_set_result(struct user_context *ctx, uint64_t error, uint64_t msginfo,
                                const uint64_t words[4]);

/* A user fault, decoded by the architecture for the arch-neutral fault path. */
enum fault_kind { FAULT_PAGE, FAULT_PROTECTION, FAULT_INVALID_OPCODE, FAULT_DIVIDE, FAULT_OTHER };
struct fault_info {
    enum fault_kind kind;
    uint64_t vector, error_code, address, ip;
    bool write, exec, present;
    bool on_code; /* the faulting address is in an executable page */
};
void arch_fault_describe(const struct fault_info *f, char *buffer, size_t size);
void arch_set_current(struct tcb *tcb);
void arch_return_to_user(void) __attribute__((noreturn));
void arch_idle(void) __attribute__((noreturn));

#endif
