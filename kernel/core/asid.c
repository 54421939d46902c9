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
static struct asid_ports port_grants[ASID_COUNT]; /* entry 0 stays empty: ASID_NONE has no grants */
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
    asid_port_ranges_total -= port_grants[identity & ASID_MASK].count;
    port_grants[identity & ASID_MASK].count = 0; /* a recycled ASID starts with no ports */
    free_count++;
}

unsigned asid_port_ranges_total;

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

static bool same_range(struct arch_port_range r, uint16_t first, uint16_t last)
{
    return r.first == first && r.last == last;
}

bool asid_ports_add(uint64_t identity, uint16_t first, uint16_t last)
{
    if (asid_root(identity) == 0)
        return false;
    struct asid_ports *g = &port_grants[identity & ASID_MASK];
    for (unsigned i = 0; i < g->count; i++) {
        if (same_range(g->range[i], first, last))
            return true; /* binding twice takes no second entry */
    }
    if (g->count == ASID_PORT_RANGES)
        return false;
    g->range[g->count++] = (struct arch_port_range){first, last};
    asid_port_ranges_total++;
    return true;
}

/* Issued ranges never overlap, so a range is removed by exact match. Bounded by the table. */
void asid_ports_remove(uint16_t first, uint16_t last)
{
    for (unsigned asid = 1; asid < ASID_COUNT; asid++) {
        struct asid_ports *g = &port_grants[asid];
        for (unsigned i = 0; i < g->count; i++) {
            if (same_range(g->range[i], first, last))
            {
                g->range[i--] = g->range[--g->count]; /* order does not matter */
                asid_port_ranges_total--;
            }
        }
    }
}

bool asid_ports_remove_from(uint64_t identity, uint16_t first, uint16_t last)
{
    if (asid_root(identity) == 0)
        return false;
    struct asid_ports *g = &port_grants[identity & ASID_MASK];
    for (unsigned i = 0; i < g->count; i++) {
        if (same_range(g->range[i], first, last)) {
            g->range[i] = g->range[--g->count];
            asid_port_ranges_total--;
            return true;
        }
    }
    return false;
}

uint64_t asid_ports_holder(uint16_t first, uint16_t last)
{
    for (unsigned asid = 1; asid_port_ranges_total && asid < ASID_COUNT; asid++) {
        const struct asid_ports *g = &port_grants[asid];
        for (unsigned i = 0; i < g->count; i++) {
            if (g->range[i].first <= last && first <= g->range[i].last)
                return identity_of(asid); /* released identities have no grants left */
        }
    }
    return ASID_NONE;
}

const struct asid_ports *asid_ports_of(uint64_t identity)
{
    return asid_root(identity) ? &port_grants[identity & ASID_MASK] : &port_grants[0];
}
