/*
 * XEntry tables (object/xentry.c): BST_XENTRY_COUNT numbered entries, each
 * the place a cross-address-space call lands (abi/bastion/relay.h). An entry
 * holds copies of the callee's CSpace and address-space caps, so a revoke of
 * either reaches it. Call bits: a thread's are word 2 of the table cap copy
 * in its TCB (a binding that dies with that cap), an entry's own ("onward":
 * what code running inside it may call) are in the entry. `grants` counts
 * the call bits set for a number anywhere, so a number is registered again
 * only when no old bit can reach the new entry; and each registration has a
 * generation, so an XEntry cap from an earlier one (word 3) is stale and
 * controls nothing of the new one.
 */
#ifndef BASTION_OBJECT_XENTRY_H
#define BASTION_OBJECT_XENTRY_H

#include <bastion/relay.h>
#include "kernel/core/invoke.h"

struct xentry {
    uint64_t entry_point, stack_base, stack_size;
    uint64_t busy;    /* stack slots of the calls in flight */
    uint64_t onward;  /* call bits of code running inside this entry */
    uint32_t grants;  /* call bits set for this number (threads' and entries') */
    uint32_t generation; /* of the registration: an XEntry cap names it in word 3 */
    uint8_t max_nesting;
    bool valid;
};

struct xentry_table {
    struct container_state container; /* while the table is destroyed (core/delete.c) */
    struct xentry entry[BST_XENTRY_COUNT];
};

#define XENTRY_SLOTS_PER_ENTRY 2 /* CSpace root, address space */
#define XENTRY_TABLE_SLOTS (BST_XENTRY_COUNT * XENTRY_SLOTS_PER_ENTRY)

struct xentry_table *xentry_table_of(const struct cap *c); /* a table or an XEntry cap */
struct slot *xentry_slots(const struct cap *c);             /* the table's XENTRY_TABLE_SLOTS slots */
static inline struct slot *xentry_cspace(const struct cap *c, unsigned n) { return &xentry_slots(c)[2 * n]; }
static inline struct slot *xentry_vspace(const struct cap *c, unsigned n) { return &xentry_slots(c)[2 * n + 1]; }
/* The ASID identity of entry n's address space, 0 (ASID_NONE) if it was destroyed. */
uint64_t xentry_live_identity(const struct cap *table, unsigned n);

enum bst_error xentry_table_invoke(struct invocation *inv);
enum bst_error xentry_invoke(struct invocation *inv);

/* Deletion hooks (core/delete.c). */
void xentry_cap_deleted(const struct cap *cap, bool final);
void xentry_table_finalise(const struct cap *cap);
void xentry_table_cap_deleted(const struct cap *cap, struct slot *slot, bool final);

#endif
