/*
 * Bastion ABI: what the kernel hands the root task at start-up.
 *
 * The root task starts with rdi = the user address of a read-only page that
 * holds struct bst_bootinfo, and rsi = the user address of its exchange frame.
 */
#ifndef BASTION_ABI_BOOTINFO_H
#define BASTION_ABI_BOOTINFO_H

#include <bastion/types.h>

#define BST_BOOTINFO_MAGIC 0x4253544e424f4f54ull /* "BSTNBOOT" */
#define BST_BOOTINFO_MAX_MODULES 16u
#define BST_BOOTINFO_MAX_UNTYPED 64u
#define BST_MODULE_NAME_LEN 48u
#define BST_CMDLINE_LEN 256u

/* Fixed user addresses of the root task's start-up mappings. */
#define BST_ROOT_BOOTINFO_ADDR 0x0000000000200000ull
#define BST_ROOT_EXCHANGE_ADDR 0x0000000000201000ull
#define BST_ROOT_STACK_TOP     0x0000000000400000ull /* a guard page lies below */
#define BST_ROOT_STACK_PAGES   16u
#define BST_ROOT_MODULES_ADDR  0x0000001000000000ull /* boot modules, read-only */

struct bst_boot_module {
    uint64_t user_addr;   /* where the module's bytes are mapped, read-only */
    uint64_t size;        /* bytes */
    char name[BST_MODULE_NAME_LEN]; /* the module's command line, NUL-terminated */
};

struct bst_untyped_desc {
    uint64_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t pad[2];
    uint32_t slot;        /* where its Untyped cap is in the root CNode */
};

/*
 * The root task's CSpace: one CNode of 2^BST_ROOT_CNODE_RADIX slots whose
 * guard makes a plain slot number a valid 64-bit capability address.
 * Slot 0 of every CNode is reserved and always empty.
 */
#define BST_ROOT_CNODE_RADIX 12
enum bst_root_slot {
    BST_CAP_NULL = 0,
    BST_CAP_ROOT_TCB = 1,
    BST_CAP_ROOT_CNODE = 2,
    BST_CAP_ROOT_VSPACE = 3,     /* the root task's PML4 */
    BST_CAP_IRQ_CONTROL = 4,
    BST_CAP_IOPORT_CONTROL = 5,
    BST_CAP_ROOT_EXCHANGE = 6,   /* the root task's exchange frame */
    BST_CAP_ROOT_BOOTINFO = 7,   /* the bootinfo frame */
    /* 8 is BST_CAP_CONSOLE by user convention (console.h). */
    BST_CAP_MACHINE_CONTROL = 13, /* MachineControl: debug calls and power-off (syscall.h) */
    BST_CAP_ASID_CONTROL = 9,    /* makes ASID pools from 4 KiB Untyped */
    BST_CAP_ROOT_ASID_POOL = 10, /* pool 0: the root task's own ASID came from it */
    BST_CAP_FIRST_UNTYPED = 16,
};

struct bst_bootinfo {
    uint64_t magic;
    uint64_t total_ram_bytes;
    uint64_t free_ram_bytes;
    uint64_t tsc_hz;
    uint64_t timer_hz;
    uint64_t cpu_features;       /* BST_CPU_* bits */
    uint64_t module_count;       /* modules after the root task itself */
    struct bst_boot_module modules[BST_BOOTINFO_MAX_MODULES];
    uint64_t untyped_count;
    struct bst_untyped_desc untyped[BST_BOOTINFO_MAX_UNTYPED];
    uint64_t empty_first_slot;   /* [first, last) of the root CNode are empty */
    uint64_t empty_last_slot;
    char cmdline[BST_CMDLINE_LEN];
};

_Static_assert(sizeof(struct bst_bootinfo) <= BST_PAGE_SIZE, "bootinfo fits one page");
_Static_assert(sizeof(struct bst_boot_module) == 64, "module descriptor layout");
_Static_assert(sizeof(struct bst_untyped_desc) == 16, "untyped descriptor layout");

#endif
