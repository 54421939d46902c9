/*
 * Address-space identifiers. A frame or paging-structure cap that is mapped
 * records where (cap word 2 = vaddr) and in which address space (word 3 = an
 * identity from here), never the root's physical address: when the root dies
 * its identity dies with it, so a stale cap can tell, and never walks freed
 * memory. An identity is an ASID (an index into one fixed kernel table) plus
 * the generation of that table entry, so a recycled ASID does not revive
 * caps that named its previous owner. Identity 0 means "none".
 */
#ifndef BASTION_CORE_ASID_H
#define BASTION_CORE_ASID_H

#include <bastion/types.h>
#include "kernel/arch/arch.h" /* struct arch_port_range */

#define ASID_BITS 12
#define ASID_COUNT (1u << ASID_BITS) /* entry 0 is never handed out */
#define ASID_NONE 0ull

/* How many roots can still get an identity; Retype checks before it changes anything. */
unsigned asid_free_count(void);
/* Gives the root (a PML4's physical address) an identity; ASID_NONE if the table is full. */
uint64_t asid_assign(uint64_t root);
/* The root's identity ends: caps that still name it become stale. */
void asid_release(uint64_t identity);
/* The live root with this identity, or 0 if it is gone. */
uint64_t asid_root(uint64_t identity);
/* The identity of a live root: `hint` (a PML4 cap's word 3) if it is right, else found by search. */
uint64_t asid_of_root(uint64_t root, uint64_t hint);

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
