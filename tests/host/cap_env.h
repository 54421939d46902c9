/*
 * Host environment of the capability core (tests/host/cap_env.c): a simulated
 * physical memory arena behind arch_phys_to_virt, recording fakes of the
 * object hooks (kernel/object/objects.h), a fake caller TCB whose CSpace root
 * and exchange frame are built the way kernel/core/roottask.c builds them,
 * a Call helper that goes through the real invoke_syscall, and snapshots and
 * scans of every capability slot for the model checks of the tests.
 *
 * Physical layout (all of it inside the arena, objects aligned to their size):
 *   0x100000   the caller's exchange frame (4 KiB)
 *   0x101000   the caller's TCB
 *   0x140000   the root CNode (up to radix 12: 256 KiB)
 *   0x180000   untyped, 512 KiB            root slot ENV_UT_512K
 *   0x200000   device untyped, 2 MiB       root slot ENV_UT_DEVICE
 *   0x400000   untyped, 4 MiB              root slot ENV_UT_4M
 *   0x800000   untyped, 8 MiB              root slot ENV_UT_8M
 *   0x1000000  untyped, 16 MiB             root slot ENV_UT_16M
 *   0x2000000  untyped, 32 MiB             root slot ENV_UT_32M
 */
#ifndef BASTION_TESTS_HOST_CAP_ENV_H
#define BASTION_TESTS_HOST_CAP_ENV_H

#include <bastion/bootinfo.h>
#include <bastion/error.h>
#include <bastion/exchange.h>
#include <bastion/invocation.h>
#include <bastion/object.h>

#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/delete.h"
#include "kernel/core/invariant.h"
#include "kernel/core/invoke.h"
#include "kernel/object/objects.h"

#define ENV_ARENA_BASE 0x100000ull
#define ENV_ARENA_SIZE (64ull << 20)

#define ENV_EXCHANGE_PADDR 0x100000ull
#define ENV_TCB_PADDR 0x101000ull
#define ENV_ROOT_CNODE_PADDR 0x140000ull
#define ENV_ROOT_MAX_RADIX 12

/* Root CNode slots: the boot caps of roottask.c, untyped from BST_CAP_FIRST_UNTYPED. */
#define ENV_ROOT BST_CAP_ROOT_CNODE
enum {
    ENV_UT_512K = BST_CAP_FIRST_UNTYPED,
    ENV_UT_DEVICE,
    ENV_UT_4M,
    ENV_UT_8M,
    ENV_UT_16M,
    ENV_UT_32M,
    ENV_UT_END,
};
#define ENV_FIRST_FREE_SLOT ENV_UT_END

struct env_untyped {
    unsigned slot;
    uint64_t paddr;
    unsigned size_bits;
    bool device;
};
extern const struct env_untyped env_untyped[ENV_UT_END - ENV_UT_512K];
#define ENV_UNTYPED_COUNT (ENV_UT_END - ENV_UT_512K)

/* ---- the arena */
void env_init(void); /* once per program: allocates the arena */
void env_fini(void);
uint8_t *env_mem(uint64_t paddr);
uint64_t env_paddr_of(const void *p);
bool env_is_zero(uint64_t paddr, uint64_t size);

/*
 * Resets everything (arena, derivation tree, hook records) and boots: a root
 * CNode of the given radix with a guard of 64 - radix bits (slot numbers are
 * capability addresses), the caller's TCB, control caps, exchange frame and
 * untyped caps in the root CNode, all children of cdt_boot_root, and the
 * caller's cspace_root a child of the root CNode cap.
 */
void env_boot(unsigned root_radix);
extern struct tcb *env_caller;
struct slot *env_root_slots(void);
struct slot *env_slot(uint64_t root_index); /* a slot of the root CNode */
unsigned env_root_radix(void);

/* ---- invocations through invoke_syscall */
enum bst_error env_call(uint64_t cptr, uint64_t label, unsigned n, const uint64_t *words);
#define ENV_CALL(cptr, label, ...)                                                          \
    env_call((cptr), (label), sizeof((uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t),         \
             (uint64_t[]){__VA_ARGS__})
const struct bst_error_detail *env_detail(void); /* the caller's exchange->error */
const uint64_t *env_result_words(void);          /* rdx, r10, r8, r9 of the last call */

/* Convenience wrappers (addresses in the root CNode, depth 64). */
enum bst_error env_retype(uint64_t ut, uint64_t type, uint64_t size_bits, uint64_t offset, uint64_t count);
enum bst_error env_copy(uint64_t dest, uint64_t src, uint64_t rights);
enum bst_error env_mint(uint64_t dest, uint64_t src, uint64_t rights, uint64_t badge, uint64_t guard_bits);
enum bst_error env_move(uint64_t dest, uint64_t src);
enum bst_error env_mutate(uint64_t dest, uint64_t src, uint64_t badge, uint64_t guard_bits);
enum bst_error env_delete(uint64_t index);
enum bst_error env_revoke(uint64_t index);

/* ---- the recording fakes */
enum env_hook {
    HOOK_FRAME_DELETED,
    HOOK_PAGE_TABLE_DELETED,
    HOOK_TCB_FINALISE,
    HOOK_ENDPOINT_FINALISE,
    HOOK_NOTIFICATION_FINALISE,
    HOOK_IRQ_HANDLER_FINALISE,
    HOOK_IOPORT_FINALISE,
    HOOK_TCB_OBJECT_INIT,
    HOOK_VSPACE_INIT_ROOT,
    HOOK_COUNT,
};
struct env_event {
    enum env_hook hook;
    struct cap cap; /* the deleted cap (a TCB cap rebuilt from the TCB's address for tcb hooks) */
    bool final;     /* page_table_cap_deleted's argument; true for the finalise hooks */
};
#define ENV_MAX_EVENTS 8192
extern struct env_event env_events[ENV_MAX_EVENTS];
extern unsigned env_event_count; /* events recorded since the last env_events_clear */
void env_events_clear(void);
unsigned env_hook_count(enum env_hook hook);
/* Final events (finalise hooks, page_table_cap_deleted with final) naming the object of c. */
unsigned env_final_events_for(const struct cap *c);

/* ---- scans */
/* Every slot in the derivation tree below cdt_boot_root, in pre-order (a buffer of the env). */
unsigned env_tree_slots(struct slot ***out);
/*
 * Every slot of every live container (the CNodes and TCBs named by caps in the
 * tree, plus the caller's TCB), empty or not, without slot 0 of CNodes.
 */
unsigned env_container_slots(struct slot ***out);

/* A copy of every live container's slots (and cdt_boot_root): "nothing changed" checks. */
struct env_snapshot;
struct env_snapshot *env_snapshot_take(void);
bool env_snapshot_equal(const struct env_snapshot *s); /* logs the first difference */
void env_snapshot_free(struct env_snapshot *s);

#endif
