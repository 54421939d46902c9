/*
 * Processes from user level: bst_process_spawn builds a new process from an
 * ELF image already in memory (a boot module, say) with kernel objects
 * retyped from an untyped the caller supplies, and starts it. Every cap it
 * makes lands in a range of free slots of the caller's CSpace, so the caller
 * owns the process and bst_process_destroy takes it apart.
 *
 * The process gets:
 *   - an address space: each ELF segment on its own frames with the
 *     segment's rights (text R+X, read-only data R, data and bss R+W: never
 *     W and X together), a stack of stack_pages below BST_CHILD_STACK_TOP
 *     with an unmapped guard page under it, an exchange frame at
 *     BST_CHILD_EXCHANGE_ADDR, and any frames the caller shares;
 *   - a CSpace of its own (bastion.h: BST_CHILD_*): its TCB, CNode and
 *     address space in slots 1-3, and the caps the caller lists;
 *   - one thread at the given priority, started with the registers of the
 *     start convention (bastion.h): rip = entry, rsp = stack top,
 *     rdi = start_arg, rsi = exchange address, rdx = BST_START_CHILD | flags.
 * The bytes are copied through a temporary mapping of each frame at
 * scratch_vaddr in the caller's own address space (a free page whose page
 * table exists), which is unmapped again before the frame goes to the child.
 *
 * Requirement on the caller: its CSpace root is one CNode guarded so that a
 * slot number is a capability address (the root task's and every spawned
 * process's are).
 */
#ifndef BASTION_USER_PROCESS_H
#define BASTION_USER_PROCESS_H

#include <bastion/bootinfo.h>
#include "user/lib/elf.h"
#include "user/lib/invoke.h"

/* A spawned process's fixed addresses; its image lies in [BST_SPAWN_IMAGE_MIN, BST_SPAWN_IMAGE_MAX). */
#define BST_CHILD_EXCHANGE_ADDR 0x0000000000201000ull
#define BST_CHILD_STACK_TOP 0x0000000000400000ull
#define BST_CHILD_STACK_PAGES 16u   /* when the caller says 0 */
#define BST_CHILD_STACK_MAX_PAGES 256u
#define BST_SPAWN_IMAGE_MIN BST_CHILD_STACK_TOP
#define BST_SPAWN_IMAGE_MAX BST_ROOT_MODULES_ADDR
/* A free page of the root task's: its page table is the one of the root's stack and exchange frame. */
#define BST_SPAWN_ROOT_SCRATCH 0x0000000000380000ull

#define BST_SPAWN_MAX_CAPS 8u
#define BST_SPAWN_MAX_FRAMES 4u

/* A cap of the caller's, copied (with rights masked) into the child's CNode at slot. */
struct bst_spawn_cap {
    bst_cptr_t cap;
    uint64_t slot;   /* BST_CHILD_FIRST_FREE .. BST_CHILD_CNODE_SLOTS - 1 */
    uint64_t rights; /* BST_RIGHT_* mask; BST_RIGHTS_ALL keeps them all */
};

/* A frame of the caller's, shared: a copy of its cap is mapped in the child at vaddr. */
struct bst_spawn_frame {
    bst_cptr_t frame;
    uint64_t vaddr;
    uint64_t rights; /* BST_RIGHT_READ with WRITE or EXECUTE (never both) */
};

struct bst_spawn {
    const void *image;          /* the ELF file, readable by the caller */
    size_t image_size;
    bst_cptr_t untyped;         /* every object comes from here */
    bst_cptr_t asid_pool;       /* the child's address space gets its ASID here (BST_CAP_ROOT_ASID_POOL in the root task) */
    bst_cptr_t cnode;           /* the caller's CSpace root (BST_CAP_ROOT_CNODE in the root task) */
    uint64_t first_slot;        /* free slots [first_slot, first_slot + slot_count) of it */
    uint64_t slot_count;
    bst_cptr_t vspace;          /* the caller's own address space, for the scratch mapping */
    uint64_t scratch_vaddr;
    bst_cptr_t authority;       /* a TCB whose maximum controlled priority allows priority */
    uint64_t priority;
    uint64_t start_arg;         /* the child's rdi: bst_start_arg */
    unsigned stack_pages;       /* 0: BST_CHILD_STACK_PAGES */
    bst_cptr_t fault_endpoint;  /* 0: none (a fault stops the thread and the kernel reports it) */
    const struct bst_spawn_cap *caps;
    unsigned cap_count;
    const struct bst_spawn_frame *frames;
    unsigned frame_count;
};

struct bst_process_segment {
    uint64_t vaddr;   /* page aligned */
    uint64_t pages;
    uint64_t rights;  /* as mapped */
};

struct bst_process {
    /* The caller's slots [first_slot, first_slot + used) hold every cap of the process. */
    bst_cptr_t cnode;
    uint64_t first_slot, used;
    /* The process's objects, as caps in the caller's CSpace. */
    bst_cptr_t tcb, vspace, cspace, exchange;
    uint64_t entry, stack_top, start_flags;
    unsigned segment_count;
    struct bst_process_segment segment[BST_ELF_MAX_SEGMENTS];
    /* After a failure: what went wrong, and the failed kernel call's detail (if one failed). */
    const char *why;
    struct bst_error_detail detail;
};

/*
 * Builds and starts the process. Returns BST_OK, or the error of the first
 * step that failed (ELF errors as bst_elf_read; BST_E_RANGE when the slots
 * run out, with the kernel's errors otherwise) with out->why and out->detail
 * saying more; then nothing of the process is left.
 */
uint64_t bst_process_spawn(const struct bst_spawn *params, struct bst_process *out);
/* Stops the process and deletes every cap it holds in the caller's CSpace (its objects die). */
void bst_process_destroy(struct bst_process *process);

/* The boot module whose name ends in name (loaders pass paths, GRUB names), or NULL. Root task only. */
const struct bst_boot_module *bst_boot_module(const char *name);

#endif
