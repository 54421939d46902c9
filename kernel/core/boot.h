/*
 * Boot-time physical memory: which RAM is free once the kernel image, the boot
 * modules and firmware areas are set aside, and a page allocator used only
 * before the root task starts. Everything left afterwards goes to user level
 * (as Untyped memory), so the kernel never allocates after boot.
 */
#ifndef BASTION_CORE_BOOT_H
#define BASTION_CORE_BOOT_H

#include "kernel/arch/arch.h"

#define BOOTMEM_MAX_FREE 128

struct bootmem {
    struct mem_region free[BOOTMEM_MAX_FREE]; /* sorted, page-aligned, disjoint */
    unsigned free_count;
    uint64_t total_ram;
    uint64_t allocated;
};

void boot_params_reserve(struct boot_params *p, uint64_t base, uint64_t size);

/* Computes free = RAM minus reserved, page-aligned inward. */
void bootmem_init(struct bootmem *bm, const struct boot_params *p);

/* One zero-filled 4 KiB page (physical address), or 0 when memory is exhausted. */
uint64_t bootmem_alloc_page(struct bootmem *bm);

/* Contiguous pages aligned to their size rounded up to a page; 0 on failure. */
uint64_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align);

uint64_t bootmem_free_bytes(const struct bootmem *bm);

/* Provided by the environment: zeroes a physical page (kernel: via the physical map). */
void bootmem_zero_phys(uint64_t paddr, uint64_t size);

#endif
