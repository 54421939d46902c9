/* The fuzzer's objects: where setup.c puts them (root CNode slots). */
#ifndef BASTION_FUZZ_SETUP_H
#define BASTION_FUZZ_SETUP_H

#include "tests/fuzz/fuzz.h"

/*
 * Root CNode: [empty_first, +FUZZ_INFRA_SLOTS) the fuzzer's own machinery
 * (carved untyped, fault handler, fault endpoints), protected unless
 * "unprotect"; then the arena, where the calls may do anything.
 */
#define FUZZ_INFRA_SLOTS 16
struct fuzz_slots {
    bst_cptr_t carve, handler_tcb, handler_frame, fault_ep;
    bst_cptr_t fault_ep_badged[FUZZ_WORKERS];
};
extern struct fuzz_slots fuzz_slots;

/* Arena slot numbers (arena(k)): one object of every type, then empty slots. */
enum arena_slot {
    K_UT_BIG, K_UT_SMALL, K_UT_TINY,
    K_CN2, K_CN4, K_CN8, K_WCN, K_WCN_GUARDED,
    K_EP0, K_EP1, K_NT0, K_NT1,
    K_FR0, K_FR1, K_FR2M, K_PT, K_PD, K_PDPT, K_PML4,
    K_IRQ, K_IOPORT, K_TCB_SPARE, K_ASID_UT, K_ASID_POOL,
    K_RSEG, K_XTABLE, K_LINK, K_XENTRY, /* a relay segment, an entry table, a link stack, entry 1 of the table */
    K_WTCB0, K_WFRAME0 = K_WTCB0 + FUZZ_WORKERS,
    K_BUSY = K_WFRAME0 + FUZZ_WORKERS, /* arena slots the set-up fills */
};

bst_cptr_t arena(unsigned k);
bool fuzz_setup(uint64_t seed);
void fuzz_teardown(void);
uint64_t worker_configure(unsigned i);
void worker_restart(unsigned i);
void fuzz_remap_spare(void);

#endif
