/*
 * Address-space identifiers. A frame or paging-structure cap that is mapped
 * records where (cap word 2 = vaddr) and in which address space (word 3 = an
 * identity from here), never the root's physical address: when the root dies
 * its identity dies with it, so a stale cap can tell, and never walks freed
 * memory. An identity is an ASID plus a generation, so a recycled ASID does
 * not revive caps that named its previous owner. Identity 0 means "none".
 *
 * ASIDs are a resource handed out through capabilities, as seL4's ASID
 * pools: an ASID is (high << 9 | low), the high bits pick one of
 * BST_ASID_POOLS pools, each a 4 KiB object made from Untyped memory
 * (object/asidpool.c) whose 512 words are its ASIDs' entries. The kernel
 * keeps only the fixed table of which pools exist; a task can exhaust only
 * the pools it holds caps to.
 */
#ifndef BASTION_CORE_ASID_H
#define BASTION_CORE_ASID_H

#include <bastion/object.h>
#include <bastion/types.h>
#include "kernel/arch/arch.h" /* struct arch_port_range */

#define ASID_LOW_BITS 9
#define ASID_POOL_ENTRIES (1u << ASID_LOW_BITS)
#define ASID_POOLS BST_ASID_POOLS
#define ASID_BITS 12
#define ASID_COUNT (ASID_POOLS * ASID_POOL_ENTRIES) /* ASID 0 is never handed out */
#define ASID_NONE 0ull
_Static_assert(ASID_POOL_ENTRIES == BST_ASID_POOL_ASIDS && ASID_COUNT == 1u << ASID_BITS, "ASID layout");
_Static_assert(ASID_POOL_ENTRIES * sizeof(uint64_t) == 1u << BST_ASID_POOL_SIZE_BITS, "a pool is one page");

/* The lowest pool index not in use, or ASID_POOLS when every one is. */
unsigned asid_pool_free_index(void);
/* Pool `high` now lives in the zeroed page at paddr, all its ASIDs free (ASID 0 stays reserved). */
void asid_pool_install(unsigned high, uint64_t paddr);
/* Pool `high` (at paddr) is gone: each live root in it is passed to `orphaned`, then every ASID dies. */
void asid_pool_remove(unsigned high, uint64_t paddr, void (*orphaned)(uint64_t root));
/* How many ASIDs pool `high` can still give out (0 if there is no such pool). */
unsigned asid_pool_free_count(unsigned high);

/* Gives the root (a PML4's physical address) an identity from pool `high`; ASID_NONE if it is full. */
uint64_t asid_assign(unsigned high, uint64_t root);
/* The root's identity ends: caps that still name it become stale. */
void asid_release(uint64_t identity);
/*
 * The pool table (asid.c owns it): here only for asid_root, which the XCall
 * fast path inlines. A pool entry is the root's page frame number (bits
 * 0-39) and the generation it was assigned with (bits 40-63), 0 when free.
 */
#define ASID_PFN_BITS 40
struct asid_pool_slot {
    uint64_t paddr; /* the pool's page, 0 when there is no pool */
    unsigned next;  /* where the next search for a free entry starts */
    unsigned free;  /* entries that can still be assigned */
};
extern struct asid_pool_slot asid_pools[ASID_POOLS];
/*
 * The live root with this identity, or 0 if it is gone. A free entry is 0 and
 * the reserved ASID 0's is always free, so neither needs a test of its own:
 * both give root 0.
 */
static inline uint64_t asid_root(uint64_t identity)
{
    uint64_t pool = asid_pools[(identity >> ASID_LOW_BITS) & (ASID_POOLS - 1)].paddr;
    if (!pool)
        return 0;
    uint64_t e = ((const uint64_t *)arch_phys_to_virt(pool))[identity & (ASID_POOL_ENTRIES - 1)];
    return e >> ASID_PFN_BITS == identity >> ASID_BITS ? (e & ((1ull << ASID_PFN_BITS) - 1)) << 12 : 0;
}
/* The identity of a live root: `hint` (a PML4 cap's word 3) if it is right, else found by search. */
uint64_t asid_of_root(uint64_t root, uint64_t hint);
/* The ASID number of an identity. */
static inline uint64_t asid_number(uint64_t identity) { return identity & (ASID_COUNT - 1); }

/*
 * I/O port grants (IOPort_Bind): up to ASID_PORT_RANGES ranges per address
 * space, kept here so that binding allocates nothing. Releasing an identity
 * drops its grants. Pure bookkeeping: object/ioport.c loads them into the CPU.
 */
#define ASID_PORT_RANGES ARCH_IO_RANGES
struct asid_ports {
    struct arch_port_range range[ASID_PORT_RANGES];
    unsigned count;
};
/* Adds [first, last] to the identity's grants (true if it is there already); false when full or dead. */
bool asid_ports_add(uint64_t identity, uint16_t first, uint16_t last);
/* Removes the range [first, last] from every address space that has it. */
void asid_ports_remove(uint16_t first, uint16_t last);
/* Removes [first, last] from the identity's grants; false if it had no such grant. */
bool asid_ports_remove_from(uint64_t identity, uint16_t first, uint16_t last);
/* The live identity whose grants overlap [first, last], or ASID_NONE. Bounded by the table. */
uint64_t asid_ports_holder(uint16_t first, uint16_t last);
/* The identity's grants; empty ones for ASID_NONE or a dead identity. */
const struct asid_ports *asid_ports_of(uint64_t identity);
/* Port ranges granted to all address spaces together: 0 lets a switch skip the bitmap. */
extern unsigned asid_port_ranges_total;

#endif
