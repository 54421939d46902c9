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
    uint8_t pad[6];
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
    char cmdline[BST_CMDLINE_LEN];
};

_Static_assert(sizeof(struct bst_bootinfo) <= BST_PAGE_SIZE, "bootinfo fits one page");
_Static_assert(sizeof(struct bst_boot_module) == 64, "module descriptor layout");
_Static_assert(sizeof(struct bst_untyped_desc) == 16, "untyped descriptor layout");

#endif
