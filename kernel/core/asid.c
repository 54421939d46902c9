/*
 * ASID pools. The kernel's own state is the fixed table of BST_ASID_POOLS
 * pool slots (which pool page holds each block, and a round-robin cursor);
 * the entries themselves live in the pool objects, which user level paid for
 * with Untyped memory (invariant 2). Only an ASIDControl cap fills a slot, so
 * the table is bounded by that authority, as the IRQ table is by IRQControl.
 *
 * A pool entry is one word: the root's page frame number (bits 0-39: a
 * physical address has at most 52 bits) and the generation it was assigned
 * with (bits 40-63), 0 when free. Generations come from one counter for all
 * pools, so an ASID recycled in its pool, or in a new pool made after its
 * old one died, is a different identity. The counter wraps after 2^24
 * assignments; a stale cap that then matches an ASID's new owner can only
 * clear an entry that maps its own frame (pagetable.c: a lost mapping, never
 * exposed memory, as in seL4, which has no generations at all).
 */
#include "kernel/core/asid.h"

#define ASID_LOW_MASK (ASID_POOL_ENTRIES - 1)
#define ASID_MASK (ASID_COUNT - 1)
#define PFN_BITS ASID_PFN_BITS
#define PFN_MASK ((1ull << PFN_BITS) - 1)
#define GENERATION_MASK ((1ull << (64 - PFN_BITS)) - 1)

struct asid_pool_slot asid_pools[ASID_POOLS];
static struct asid_ports port_grants[ASID_COUNT]; /* entry 0 stays empty: ASID_NONE has no grants */
static uint64_t generation;
unsigned asid_port_ranges_total;

static unsigned high_of(uint64_t asid) { return (unsigned)(asid >> ASID_LOW_BITS) & (ASID_POOLS - 1); }
static unsigned low_of(uint64_t asid) { return (unsigned)asid & ASID_LOW_MASK; }
static bool reserved(unsigned high, unsigned low) { return high == 0 && low == 0; }

static uint64_t *entries(unsigned high)
{
    return asid_pools[high].paddr ? arch_phys_to_virt(asid_pools[high].paddr) : 0;
}

static uint64_t entry_root(uint64_t e) { return (e & PFN_MASK) << 12; }
static uint64_t entry_generation(uint64_t e) { return e >> PFN_BITS; }

static uint64_t identity_of(unsigned high, unsigned low, uint64_t entry)
{
    return entry_generation(entry) << ASID_BITS | (uint64_t)high << ASID_LOW_BITS | low;
}

/* The live identity of an ASID number, or ASID_NONE if it is not assigned. */
static uint64_t identity_of_asid(unsigned asid)
{
    unsigned high = high_of(asid), low = low_of(asid);
    const uint64_t *e = entries(high);
    return e && e[low] ? identity_of(high, low, e[low]) : ASID_NONE;
}

unsigned asid_pool_free_index(void)
{
    unsigned high = 0;
    while (high < ASID_POOLS && asid_pools[high].paddr)
        high++;
    return high;
}

void asid_pool_install(unsigned high, uint64_t paddr)
{
    asid_pools[high] = (struct asid_pool_slot){paddr, 0, ASID_POOL_ENTRIES - (high == 0)};
}

unsigned asid_pool_free_count(unsigned high) { return high < ASID_POOLS ? asid_pools[high].free : 0; }

static void drop_grants(uint64_t asid)
{
    asid_port_ranges_total -= port_grants[asid].count;
    port_grants[asid].count = 0; /* a recycled ASID starts with no ports */
}

void asid_pool_remove(unsigned high, uint64_t paddr, void (*orphaned)(uint64_t root))
{
    if (high >= ASID_POOLS || asid_pools[high].paddr != paddr || !paddr)
        return;
    uint64_t *e = entries(high);
    for (unsigned low = 0; low < ASID_POOL_ENTRIES; low++) {
        if (!e[low])
            continue;
        orphaned(entry_root(e[low]));
        drop_grants((uint64_t)high << ASID_LOW_BITS | low);
    }
    asid_pools[high] = (struct asid_pool_slot){0, 0, 0};
}

uint64_t asid_assign(unsigned high, uint64_t root)
{
    if (high >= ASID_POOLS || asid_pools[high].free == 0 || root == 0)
        return ASID_NONE;
    struct asid_pool_slot *p = &asid_pools[high];
    uint64_t *e = entries(high);
    /* Bounded: at most 512 steps, and free says one is free. Round robin keeps a freed ASID unused longest. */
    while (e[p->next] != 0 || reserved(high, p->next))
        p->next = (p->next + 1) & ASID_LOW_MASK;
    unsigned low = p->next;
    p->next = (low + 1) & ASID_LOW_MASK;
    generation = (generation + 1) & GENERATION_MASK;
    e[low] = generation << PFN_BITS | root >> 12;
    p->free--;
    return identity_of(high, low, e[low]);
}

void asid_release(uint64_t identity)
{
    if (asid_root(identity) == 0)
        return;
    unsigned high = high_of(identity);
    entries(high)[low_of(identity)] = 0;
    drop_grants(identity & ASID_MASK);
    asid_pools[high].free++;
}

uint64_t asid_of_root(uint64_t root, uint64_t hint)
{
    if (root != 0 && asid_root(hint) == root)
        return hint;
    /* A copied PML4 cap lost word 3 (CNode_Copy clears mapping words): search, bounded by the pools. */
    for (unsigned high = 0; root != 0 && high < ASID_POOLS; high++) {
        const uint64_t *e = entries(high);
        for (unsigned low = 0; e && low < ASID_POOL_ENTRIES; low++) {
            if (e[low] && entry_root(e[low]) == root)
                return identity_of(high, low, e[low]);
        }
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
                return identity_of_asid(asid); /* released identities have no grants left */
        }
    }
    return ASID_NONE;
}

const struct asid_ports *asid_ports_of(uint64_t identity)
{
    return asid_root(identity) ? &port_grants[identity & ASID_MASK] : &port_grants[0];
}
