/*
 * The ASID table: static, sized at build time, so making an address space
 * never allocates kernel memory (invariant 2). Entries are handed out round
 * robin, which also keeps a just-freed ASID unused for as long as possible.
 */
#include "kernel/core/asid.h"

#define ASID_MASK (ASID_COUNT - 1)

struct asid_entry {
    uint64_t root;       /* physical address of the PML4, 0 when free */
    uint64_t generation; /* bumped on every assignment: stale identities never match */
};

static struct asid_entry asid_table[ASID_COUNT];
static unsigned free_count = ASID_COUNT - 1;
static unsigned next_asid = 1;
static uint64_t generation;

static uint64_t identity_of(unsigned asid) { return asid_table[asid].generation << ASID_BITS | asid; }

unsigned asid_free_count(void) { return free_count; }

uint64_t asid_assign(uint64_t root)
{
    if (free_count == 0 || root == 0)
        return ASID_NONE;
    /* Bounded: at most ASID_COUNT steps, and free_count says one is free. */
    while (next_asid == 0 || asid_table[next_asid].root != 0)
        next_asid = (next_asid + 1) & ASID_MASK;
    unsigned asid = next_asid;
    next_asid = (next_asid + 1) & ASID_MASK;
    asid_table[asid] = (struct asid_entry){root, ++generation};
    free_count--;
    return identity_of(asid);
}

uint64_t asid_root(uint64_t identity)
{
    unsigned asid = identity & ASID_MASK;
    const struct asid_entry *e = &asid_table[asid];
    if (asid == 0 || e->root == 0 || e->generation != identity >> ASID_BITS)
        return 0;
    return e->root;
}

void asid_release(uint64_t identity)
{
    if (asid_root(identity) == 0)
        return;
    asid_table[identity & ASID_MASK] = (struct asid_entry){0, 0};
    free_count++;
}

uint64_t asid_of_root(uint64_t root, uint64_t hint)
{
    if (root != 0 && asid_root(hint) == root)
        return hint;
    /* A copied PML4 cap lost word 3 (CNode_Copy clears mapping words): search, bounded by the table. */
    for (unsigned asid = 1; root != 0 && asid < ASID_COUNT; asid++) {
        if (asid_table[asid].root == root)
            return identity_of(asid);
    }
    return ASID_NONE;
}
