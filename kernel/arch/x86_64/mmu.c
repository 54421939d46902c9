/*
 * Paging: the kernel's own page tables (a physical map of RAM, the image at
 * -2 GiB with per-section permissions and unmapped stack guard pages) and the
 * user address spaces that share the kernel's upper half.
 */
#include "cpu.h"
#include <bastion/syscall.h>
#include "kernel/arch/arch.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define ENTRIES 512
#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)
#define PAGE 4096ull
#define MMIO_HOLE_START 0xfe000000ull /* IOAPIC, LAPIC, HPET live here: uncached */
#define MMIO_HOLE_END 0x100000000ull
#define USER_PML4_ENTRIES 256

extern char __image_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __image_end[];
extern char boot_stack_guard[], df_stack_guard[], nmi_stack_guard[];

static uint64_t kernel_root;
static uint64_t nx_bit;

void *arch_phys_to_virt(uint64_t paddr) { return (void *)(PHYSMAP_BASE + paddr); }
static uint64_t *table(uint64_t paddr) { return arch_phys_to_virt(paddr & PTE_ADDR_MASK); }
static unsigned index_at(uint64_t vaddr, unsigned level) { return (vaddr >> (12 + 9 * level)) & 511; }

/* Returns the next-level table for vaddr at level, creating it if alloc_page is given. */
static uint64_t *next_table(uint64_t *t, uint64_t vaddr, unsigned level, uint64_t flags,
                            uint64_t (*alloc_page)(void))
{
    uint64_t *e = &t[index_at(vaddr, level)];
    if (!(*e & PTE_P)) {
        uint64_t page = alloc_page ? alloc_page() : 0;
        if (!page)
            return 0;
        *e = page | PTE_P | PTE_W | flags;
    }
    return table(*e);
}

static void map_physmap(uint64_t max_phys, uint64_t (*alloc_page)(void))
{
    uint64_t *pml4 = table(kernel_root);
    for (uint64_t pa = 0; pa < max_phys; pa += SIZE_2M) {
        uint64_t va = PHYSMAP_BASE + pa;
        uint64_t *pdpt = next_table(pml4, va, 3, 0, alloc_page);
        uint64_t *pd = pdpt ? next_table(pdpt, va, 2, 0, alloc_page) : 0;
        if (!pd) {
            log_error("mmu: out of memory while mapping RAM at %llx", (unsigned long long)pa);
            arch_halt_forever();
        }
        uint64_t cache = (pa >= MMIO_HOLE_START && pa < MMIO_HOLE_END) ? PTE_PCD | PTE_PWT : 0;
        pd[index_at(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx_bit | cache;
    }
}

static bool is_guard_page(uint64_t va)
{
    return va == (uint64_t)boot_stack_guard || va == (uint64_t)df_stack_guard ||
           va == (uint64_t)nmi_stack_guard;
}

static uint64_t image_page_flags(uint64_t va)
{
    if (va < (uint64_t)__text_end)
        return PTE_P | PTE_G;                 /* text: read + execute */
    if (va >= (uint64_t)__rodata_start && va < (uint64_t)__rodata_end)
        return PTE_P | PTE_G | nx_bit;        /* rodata: read only */
    return PTE_P | PTE_W | PTE_G | nx_bit;    /* data, bss, stacks: read + write */
}

static void map_image(uint64_t (*alloc_page)(void))
{
    uint64_t *pml4 = table(kernel_root);
    for (uint64_t va = (uint64_t)__image_start; va < (uint64_t)__image_end; va += PAGE) {
        if (is_guard_page(va))
            continue; /* stack overflow faults instead of corrupting memory */
        uint64_t *pdpt = next_table(pml4, va, 3, 0, alloc_page);
        uint64_t *pd = pdpt ? next_table(pdpt, va, 2, 0, alloc_page) : 0;
        uint64_t *pt = pd ? next_table(pd, va, 1, 0, alloc_page) : 0;
        if (!pt) {
            log_error("mmu: out of memory while mapping the kernel image");
            arch_halt_forever();
        }
        pt[index_at(va, 0)] = (va - KERNEL_VMA) | image_page_flags(va);
    }
}

void arch_mmu_init(uint64_t max_phys, uint64_t (*alloc_page)(void))
{
    nx_bit = cpu_has_feature(BST_CPU_NX) ? PTE_NX : 0;
    if (max_phys < MMIO_HOLE_END)
        max_phys = MMIO_HOLE_END; /* the local APIC and IOAPIC must be reachable */
    kernel_root = alloc_page();
    map_physmap(max_phys, alloc_page);
    map_image(alloc_page);
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(kernel_root); /* the boot identity map is gone from here on */
}

uint64_t arch_kernel_vspace_root(void) { return kernel_root; }

uint64_t arch_vspace_create(uint64_t (*alloc_page)(void))
{
    uint64_t root = alloc_page();
    if (!root)
        return 0;
    /* The upper half is the kernel's, shared by every address space. */
    memcpy(table(root) + USER_PML4_ENTRIES, table(kernel_root) + USER_PML4_ENTRIES,
           USER_PML4_ENTRIES * sizeof(uint64_t));
    return root;
}

int arch_vspace_map_page(uint64_t root, uint64_t vaddr, uint64_t paddr, unsigned perms,
                         uint64_t (*alloc_page)(void))
{
    if ((perms & ARCH_MAP_WRITE) && (perms & ARCH_MAP_EXEC))
        return ARCH_MAP_E_WX;
    if (vaddr < PAGE || vaddr >= USER_TOP || (vaddr & (PAGE - 1)) || (paddr & (PAGE - 1)))
        return ARCH_MAP_E_RANGE;
    uint64_t *t = table(root);
    for (unsigned level = 3; level > 0; level--) {
        t = next_table(t, vaddr, level, PTE_U, alloc_page);
        if (!t)
            return ARCH_MAP_E_NOMEM;
    }
    uint64_t *e = &t[index_at(vaddr, 0)];
    if (*e & PTE_P)
        return ARCH_MAP_E_MAPPED;
    *e = paddr | PTE_P | PTE_U | ((perms & ARCH_MAP_WRITE) ? PTE_W : 0) |
         ((perms & ARCH_MAP_EXEC) ? 0 : nx_bit);
    return 0;
}

void arch_vspace_activate(uint64_t root)
{
    if (read_cr3() != root)
        write_cr3(root);
}
