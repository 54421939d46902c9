#include "kernel/core/boot.h"
#include "lib/string.h"

#define PAGE 4096ull

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

void boot_params_reserve(struct boot_params *p, uint64_t base, uint64_t size)
{
    if (size == 0)
        return;
    unsigned max = sizeof(p->reserved) / sizeof(p->reserved[0]);
    if (p->reserved_count < max)
        p->reserved[p->reserved_count++] = (struct mem_region){base, size};
}

static void insert_sorted(struct bootmem *bm, uint64_t base, uint64_t end)
{
    if (end <= base || bm->free_count >= BOOTMEM_MAX_FREE)
        return;
    unsigned i = bm->free_count;
    while (i > 0 && bm->free[i - 1].base > base) {
        bm->free[i] = bm->free[i - 1];
        i--;
    }
    bm->free[i] = (struct mem_region){base, end - base};
    bm->free_count++;
}

/* Cuts [base, end) out of every free region, splitting where needed. */
static void subtract(struct bootmem *bm, uint64_t base, uint64_t end)
{
    struct mem_region old[BOOTMEM_MAX_FREE];
    unsigned count = bm->free_count;
    memcpy(old, bm->free, sizeof(old[0]) * count);
    bm->free_count = 0;
    for (unsigned i = 0; i < count; i++) {
        uint64_t rb = old[i].base, re = old[i].base + old[i].size;
        if (end <= rb || base >= re) {
            insert_sorted(bm, rb, re);
            continue;
        }
        insert_sorted(bm, rb, align_down(base, PAGE) > rb ? align_down(base, PAGE) : rb);
        insert_sorted(bm, align_up(end, PAGE) < re ? align_up(end, PAGE) : re, re);
    }
}

void bootmem_init(struct bootmem *bm, const struct boot_params *p)
{
    memset(bm, 0, sizeof(*bm));
    for (unsigned i = 0; i < p->ram_count; i++) {
        uint64_t base = align_up(p->ram[i].base, PAGE);
        uint64_t end = align_down(p->ram[i].base + p->ram[i].size, PAGE);
        if (end > base) {
            subtract(bm, base, end); /* firmware maps may overlap: never count twice */
            insert_sorted(bm, base, end);
        }
    }
    bm->total_ram = bootmem_free_bytes(bm);
    for (unsigned i = 0; i < p->reserved_count; i++)
        subtract(bm, p->reserved[i].base, p->reserved[i].base + p->reserved[i].size);
    subtract(bm, 0, PAGE); /* 0 means failure, so page 0 is never handed out */
}

uint64_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align)
{
    /* No pages, a size that wraps to 0 when rounded up, or an alignment that is no power of 2. */
    if (size == 0 || size > UINT64_MAX - PAGE + 1 || (align & (align - 1)))
        return 0;
    size = align_up(size, PAGE);
    align = align < PAGE ? PAGE : align;
    for (unsigned i = 0; i < bm->free_count; i++) {
        uint64_t base = align_up(bm->free[i].base, align);
        uint64_t end = bm->free[i].base + bm->free[i].size;
        if (base < bm->free[i].base || base + size > end || base + size < base)
            continue;
        /* Cutting from the middle leaves two pieces: only if the list has room for both. */
        if (base > bm->free[i].base && base + size < end && bm->free_count == BOOTMEM_MAX_FREE)
            continue;
        subtract(bm, base, base + size);
        bootmem_zero_phys(base, size);
        bm->allocated += size;
        return base;
    }
    return 0;
}

uint64_t bootmem_alloc_page(struct bootmem *bm) { return bootmem_alloc(bm, PAGE, PAGE); }

uint64_t bootmem_free_bytes(const struct bootmem *bm)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < bm->free_count; i++)
        total += bm->free[i].size;
    return total;
}
