/*
 * Paging: the kernel's own page tables (a physical map of RAM, the image at
 * -2 GiB with per-section permissions and unmapped stack guard pages) and the
 * user address spaces that share the kernel's upper half.
 *
 * Nothing is writable and executable anywhere in the kernel half. The
 * physical map is no-execute, and read-only over the image's text and
 * rodata. What boot sets up once and never changes again is read-only from
 * the end of arch_mmu_init, at every address it has: the GDT and IDT (the
 * ro_after_boot section), and every page-table page of the kernel half
 * (shared by all address spaces, so nothing ever edits them after boot).
 */
#include "cpu.h"
#include <bastion/syscall.h>
#include <bastion/relay.h>
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
extern char __ro_after_boot_start[], __ro_after_boot_end[];
extern char boot_stack_guard[], df_stack_guard[], nmi_stack_guard[];

static uint64_t kernel_root;
static uint64_t nx_bit;
static uint64_t physmap_end; /* the physical map covers [0, physmap_end) */

static uint64_t *table(uint64_t paddr) { return arch_phys_to_virt(paddr & PTE_ADDR_MASK); }
static uint64_t image_phys(const char *va) { return (uint64_t)va - KERNEL_VMA; }
static void write_protect_boot_state(uint64_t (*alloc_page)(void));
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
    physmap_end = max_phys;
    map_physmap(max_phys, alloc_page);
    map_image(alloc_page);
    /* Still on the boot tables: the new ones are edited freely, and take effect all at once below. */
    write_protect_boot_state(alloc_page);
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(kernel_root); /* the boot identity map is gone from here on */
}

uint64_t arch_kernel_vspace_root(void) { return kernel_root; }

uint64_t arch_vspace_create(uint64_t (*alloc_page)(void))
{
    uint64_t root = alloc_page();
    if (root)
        arch_vspace_init_root(root);
    return root;
}

void arch_vspace_init_root(uint64_t root)
{
    /* The upper half is the kernel's, shared by every address space. */
    memcpy(table(root) + USER_PML4_ENTRIES, table(kernel_root) + USER_PML4_ENTRIES,
           USER_PML4_ENTRIES * sizeof(uint64_t));
}

int arch_vspace_map_page(uint64_t root, uint64_t vaddr, uint64_t paddr, unsigned perms,
                         uint64_t (*alloc_page)(void))
{
    if ((perms & ARCH_MAP_WRITE) && (perms & ARCH_MAP_EXEC))
        return ARCH_MAP_E_WX;
    if (vaddr < PAGE || vaddr >= RELAY_WINDOW_BASE || (vaddr & (PAGE - 1)) || (paddr & (PAGE - 1)))
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

/*
 * Address spaces built from capabilities. PCID is not enabled (cpu.c leaves
 * CR4.PCIDE clear; turning it on means revisiting every invalidation here),
 * so every CR3 load flushes all non-global translations: an address space
 * that is not current has nothing in the TLB, and only changes to the current
 * one need an invalidation. User entries are never global. Filling an empty
 * entry needs none: the CPU caches no translation through a not-present entry.
 */
#define ROOT_LEVEL (ARCH_VSPACE_LEVELS - 1)
#define LEAF_LEVELS 2 /* 4 KiB and 2 MiB pages; 1 GiB pages are not offered */

/* The relay window takes the last slot of the user half: maps stop below it. */
uint64_t arch_vspace_user_end(void) { return RELAY_WINDOW_BASE; }
_Static_assert(RELAY_WINDOW_BASE == BST_RELAY_WINDOW_BASE, "the ABI's relay window is the kernel's");
_Static_assert(RELAY_WINDOW_BASE == (uint64_t)RELAY_WINDOW_SLOT << 39, "the window is one PML4 slot");

static uint64_t level_size(unsigned level) { return PAGE << (ARCH_VSPACE_INDEX_BITS * level); }
static bool is_current(uint64_t root) { return (read_cr3() & PTE_ADDR_MASK) == root; }
static bool is_leaf(uint64_t entry, unsigned level) { return level == 0 || (entry & PTE_PS); }

static void invlpg(uint64_t vaddr) { __asm__ volatile("invlpg (%0)" ::"r"(vaddr) : "memory"); }

/* The level-`level` table on the way to vaddr, or NULL where the walk meets an empty entry or a leaf. */
static uint64_t *table_at(uint64_t root, uint64_t vaddr, unsigned level)
{
    if (vaddr >= RELAY_WINDOW_BASE || level > ROOT_LEVEL)
        return 0; /* the kernel half is shared, the relay window the kernel's: no map reaches them */
    uint64_t *t = table(root);
    for (unsigned l = ROOT_LEVEL; l > level; l--) {
        uint64_t e = t[index_at(vaddr, l)];
        if (!(e & PTE_P) || is_leaf(e, l))
            return 0;
        t = table(e);
    }
    return t;
}

struct arch_entry arch_vspace_lookup(uint64_t root, uint64_t vaddr, unsigned level)
{
    uint64_t *t = table(root);
    for (unsigned l = ROOT_LEVEL;; l--) {
        uint64_t e = t[index_at(vaddr, l)];
        if (!(e & PTE_P))
            return (struct arch_entry){l, ARCH_ENTRY_EMPTY, 0};
        if (is_leaf(e, l))
            return (struct arch_entry){l, ARCH_ENTRY_LEAF, e & PTE_ADDR_MASK};
        if (l <= level)
            return (struct arch_entry){l, ARCH_ENTRY_TABLE, e & PTE_ADDR_MASK};
        t = table(e);
    }
}

bool arch_vspace_set_table(uint64_t root, uint64_t vaddr, unsigned level, uint64_t next)
{
    uint64_t *t = level > 0 ? table_at(root, vaddr, level) : 0;
    if (!t || (t[index_at(vaddr, level)] & PTE_P))
        return false;
    /* Rights are decided at the leaf: a table entry allows everything below it. */
    t[index_at(vaddr, level)] = (next & PTE_ADDR_MASK) | PTE_P | PTE_W | PTE_U;
    return true;
}

static uint64_t leaf_flags(unsigned level, unsigned attrs)
{
    uint64_t f = PTE_P | ((attrs & ARCH_MAP_WRITE) ? PTE_W : 0) | ((attrs & ARCH_MAP_USER) ? PTE_U : 0) |
                 ((attrs & ARCH_MAP_EXEC) ? 0 : nx_bit) | (level > 0 ? PTE_PS : 0);
    /* The power-on PAT is kept: PWT selects write-through, PCD|PWT strong uncached. */
    if (attrs & ARCH_MAP_UNCACHED)
        f |= PTE_PCD | PTE_PWT;
    else if (attrs & ARCH_MAP_WRITE_THROUGH)
        f |= PTE_PWT;
    return f;
}

bool arch_vspace_set_leaf(uint64_t root, uint64_t vaddr, unsigned level, uint64_t frame, unsigned attrs)
{
    if ((attrs & ARCH_MAP_WRITE) && (attrs & ARCH_MAP_EXEC))
        return false; /* W^X holds here whatever the caller checked */
    uint64_t size = level_size(level);
    if (level >= LEAF_LEVELS || ((vaddr | frame) & (size - 1)) || vaddr + size > RELAY_WINDOW_BASE)
        return false;
    uint64_t *t = table_at(root, vaddr, level);
    if (!t || (t[index_at(vaddr, level)] & PTE_P))
        return false;
    t[index_at(vaddr, level)] = frame | leaf_flags(level, attrs);
    return true;
}

bool arch_vspace_clear(uint64_t root, uint64_t vaddr, unsigned level, uint64_t paddr)
{
    uint64_t *t = table_at(root, vaddr, level);
    if (!t)
        return false;
    uint64_t *e = &t[index_at(vaddr, level)];
    if (!(*e & PTE_P) || (*e & PTE_ADDR_MASK) != paddr)
        return false; /* something else is mapped there now: not ours to remove */
    bool leaf = is_leaf(*e, level);
    *e = 0;
    if (!is_current(root))
        return true;
    if (leaf)
        invlpg(vaddr); /* also drops the paging-structure caches */
    else
        write_cr3(read_cr3()); /* the removed table may have mapped up to 512 regions */
    return true;
}

void arch_vspace_clear_user(uint64_t root)
{
    if (is_current(root))
        write_cr3(kernel_root); /* never run on a root whose page is about to be freed */
    arch_relay_windows_filled -= table(root)[RELAY_WINDOW_SLOT] != 0;
    memset(table(root), 0, USER_PML4_ENTRIES * sizeof(uint64_t));
}

/* ---- relay segments: their own tables, and the one window slot that points at them */

#define RELAY_SMALL_MAX_BITS 21 /* up to one page table of 4 KiB pages */
_Static_assert(RELAY_SMALL_MAX_BITS == BST_RELAY_SMALL_PAGE_MAX_BITS, "granules as the ABI says");
_Static_assert(BST_RELAY_MAX_BITS <= 30, "one page directory of 2 MiB pages");

static bool relay_small(unsigned size_bits) { return size_bits <= RELAY_SMALL_MAX_BITS; }
static uint64_t relay_user_table(uint64_t pa) { return pa | PTE_P | PTE_W | PTE_U; }

void arch_relay_tables_init(const struct arch_relay_tables *t, uint64_t data, unsigned size_bits)
{
    table(t->top)[0] = relay_user_table(t->middle);
    if (relay_small(size_bits))
        table(t->middle)[0] = relay_user_table(t->leaf);
    arch_relay_tables_show(t, data, size_bits, 0, 1ull << (size_bits - (relay_small(size_bits) ? 12 : 21)), true);
}

void arch_relay_tables_show(const struct arch_relay_tables *t, uint64_t data, unsigned size_bits, uint64_t first,
                            uint64_t count, bool present)
{
    bool small = relay_small(size_bits);
    uint64_t *leaves = table(small ? t->leaf : t->middle);
    uint64_t granule = small ? PAGE : SIZE_2M;
    uint64_t flags = PTE_P | PTE_W | PTE_U | nx_bit | (small ? 0 : PTE_PS);
    for (uint64_t i = first; i < first + count; i++)
        leaves[i] = present ? (data + i * granule) | flags : 0;
}

unsigned arch_relay_windows_filled;

void arch_relay_window_write(uint64_t root, uint64_t top)
{
    uint64_t *slot = &table(root)[RELAY_WINDOW_SLOT];
    arch_relay_windows_filled += (top != 0) - (*slot != 0);
    *slot = top ? relay_user_table(top) : 0;
}

bool arch_relay_window_move(uint64_t from, uint64_t to, uint64_t top)
{
    uint64_t *source = &table(from)[RELAY_WINDOW_SLOT], *target = &table(to)[RELAY_WINDOW_SLOT];
    /* By address, not the whole entry: the CPU sets the Accessed bit once the segment is touched. */
    if ((*source & (PTE_ADDR_MASK | PTE_P)) != (top | PTE_P) || *target)
        return false;
    *source = 0; /* one window emptied, one filled: arch_relay_windows_filled stays */
    *target = relay_user_table(top);
    return true;
}

void arch_relay_window_set(uint64_t root, uint64_t top)
{
    arch_relay_window_write(root, top);
    if (is_current(root))
        write_cr3(read_cr3()); /* the window may have mapped up to 1 GiB */
}

void arch_vspace_load(uint64_t root) { write_cr3(root ? root : kernel_root); }

uint64_t arch_relay_window(uint64_t root)
{
    uint64_t e = table(root)[RELAY_WINDOW_SLOT];
    return e & PTE_P ? e & PTE_ADDR_MASK : 0;
}

uint64_t arch_relay_window_base(void) { return RELAY_WINDOW_BASE; }

/*
 * Write protection of what boot sets up (see the top of this file). It is
 * all done on the new tables before CR3 first points at them, so no TLB
 * ever holds a writable translation of what becomes read-only.
 */

/*
 * The physical map's 4 KiB entry for pa. A 2 MiB page covering pa is split
 * first into a page table with the same attributes, from alloc_page (NULL:
 * the caller knows it is split); *splits counts the splits.
 */
static uint64_t *physmap_entry(uint64_t pa, uint64_t (*alloc_page)(void), unsigned *splits)
{
    uint64_t va = PHYSMAP_BASE + pa;
    uint64_t *pd = table(table(table(kernel_root)[index_at(va, 3)])[index_at(va, 2)]);
    uint64_t *pde = &pd[index_at(va, 1)];
    if (*pde & PTE_PS) {
        uint64_t pt = alloc_page ? alloc_page() : 0;
        if (!pt) {
            log_error("mmu: out of memory while splitting the physical map at %llx", (unsigned long long)pa);
            arch_halt_forever();
        }
        uint64_t base = *pde & PTE_ADDR_MASK & ~(SIZE_2M - 1), attrs = *pde & ~PTE_ADDR_MASK & ~PTE_PS;
        for (unsigned i = 0; i < ENTRIES; i++)
            table(pt)[i] = (base + i * PAGE) | attrs; /* bit 12 (the large page's PAT) is not kept: never set */
        *pde = pt | PTE_P | PTE_W | nx_bit;
        (*splits)++;
    }
    return &table(*pde)[index_at(va, 0)];
}

/* The image's 4 KiB entry for va (the image is mapped with 4 KiB pages only). */
static uint64_t *image_entry(uint64_t va)
{
    uint64_t *t = table(kernel_root);
    for (unsigned level = ROOT_LEVEL; level > 0; level--)
        t = table(t[index_at(va, level)]);
    return &t[index_at(va, 0)];
}

/* Calls fn on the table at pa (a level-`level` table) and on every table below it; a root's user half is skipped. */
static void visit_kernel_tables(uint64_t pa, unsigned level, void (*fn)(uint64_t table_pa, void *ctx), void *ctx)
{
    fn(pa, ctx);
    if (level == 0)
        return;
    uint64_t *t = table(pa);
    for (unsigned i = level == ROOT_LEVEL ? USER_PML4_ENTRIES : 0; i < ENTRIES; i++)
        if ((t[i] & PTE_P) && !is_leaf(t[i], level))
            visit_kernel_tables(t[i] & PTE_ADDR_MASK, level - 1, fn, ctx);
}

struct split_pass {
    uint64_t (*alloc_page)(void);
    unsigned splits;
};

static void split_around(uint64_t pa, void *ctx)
{
    struct split_pass *p = ctx;
    physmap_entry(pa, p->alloc_page, &p->splits);
}

static void make_read_only(uint64_t pa, void *ctx)
{
    (void)ctx;
    unsigned none = 0;
    *physmap_entry(pa, 0, &none) &= ~PTE_W;
}

static void write_protect_boot_state(uint64_t (*alloc_page)(void))
{
    unsigned splits = 0;
    for (uint64_t pa = image_phys(__image_start); pa < image_phys(__rodata_end); pa += PAGE)
        *physmap_entry(pa, alloc_page, &splits) &= ~PTE_W; /* text and rodata, as at their linked address */
    for (uint64_t va = (uint64_t)__ro_after_boot_start; va < (uint64_t)__ro_after_boot_end; va += PAGE) {
        *image_entry(va) &= ~PTE_W;
        *physmap_entry(image_phys((const char *)va), alloc_page, &splits) &= ~PTE_W;
    }
    /* Splitting adds page tables, which need splits of their own: repeat until none is needed. */
    struct split_pass pass = {alloc_page, 0};
    do {
        pass.splits = 0;
        visit_kernel_tables(kernel_root, ROOT_LEVEL, split_around, &pass);
    } while (pass.splits);
    visit_kernel_tables(kernel_root, ROOT_LEVEL, make_read_only, 0);
}

/* Leaf entry for vaddr in the address space root, or 0 (4 KiB pages only: user mappings). */
static uint64_t leaf_entry(uint64_t root, uint64_t vaddr)
{
    uint64_t *t = table(root);
    for (unsigned level = 3; level > 0; level--) {
        uint64_t e = t[index_at(vaddr, level)];
        if (!(e & PTE_P))
            return 0;
        if (e & PTE_PS)
            return e;
        t = table(e);
    }
    return t[index_at(vaddr, 0)];
}

bool mmu_page_is_executable(uint64_t root, uint64_t vaddr)
{
    uint64_t e = leaf_entry(root, vaddr);
    return (e & PTE_P) && !(e & PTE_NX);
}

struct table_check {
    uint64_t root;
    unsigned writable;
};

static void check_table_read_only(uint64_t pa, void *ctx)
{
    struct table_check *c = ctx;
    uint64_t e = leaf_entry(c->root, PHYSMAP_BASE + pa);
    if (!(e & PTE_P) || (e & PTE_W)) {
        log_error("mmu self-check: kernel page table at %llx must be read-only in the physical map",
                  (unsigned long long)pa);
        c->writable++;
    }
}

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static bool in_ro_after_boot(const struct descriptor_pointer *p)
{
    return p->base >= (uint64_t)__ro_after_boot_start && p->base + p->limit < (uint64_t)__ro_after_boot_end;
}

/* The GDT and IDT in use and every kernel page table: read-only at every address they have. */
static unsigned check_read_only_after_boot(uint64_t root)
{
    unsigned bad = 0;
    struct descriptor_pointer gdtr, idtr;
    __asm__ volatile("sgdt %0\n sidt %1" : "=m"(gdtr), "=m"(idtr));
    if (!in_ro_after_boot(&gdtr) || !in_ro_after_boot(&idtr)) {
        log_error("mmu self-check: the GDT and IDT in use must lie in the read-only-after-boot section");
        bad++;
    }
    for (uint64_t va = (uint64_t)__ro_after_boot_start; va < (uint64_t)__ro_after_boot_end; va += PAGE) {
        uint64_t linked = leaf_entry(root, va), phys = leaf_entry(root, PHYSMAP_BASE + image_phys((const char *)va));
        if (!(linked & PTE_P) || (linked & PTE_W) || !(phys & PTE_P) || (phys & PTE_W)) {
            log_error("mmu self-check: GDT/IDT page %llx must be read-only, also in the physical map",
                      (unsigned long long)va);
            bad++;
        }
    }
    struct table_check tables = {root, 0};
    visit_kernel_tables(kernel_root, ROOT_LEVEL, check_table_read_only, &tables);
    return bad + tables.writable;
}

void arch_debug_write_protected(enum arch_protected what)
{
    struct descriptor_pointer idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint8_t *target = what == ARCH_PROTECTED_IDT ? (volatile uint8_t *)idtr.base
                               : what == ARCH_PROTECTED_TEXT_PHYSMAP
                                   ? (volatile uint8_t *)arch_phys_to_virt(image_phys(__image_start))
                                   : (volatile uint8_t *)table(kernel_root) + 8 * ENTRIES - 8;
    log_info("test: writing %p, which must be read-only", (void *)target);
    *target = *target; /* the same byte: if the write went through, nothing is damaged and the test fails */
}

/*
 * Debug self-check of the kernel's own mappings: text not writable, rodata and
 * data not executable, stack guard pages absent, the physical map no-execute
 * and read-only over text and rodata, the GDT, IDT and kernel page tables
 * read-only everywhere, and the CPU's protection bits on. Returns the number
 * of violations.
 */
unsigned arch_mmu_self_check(void)
{
    unsigned bad = 0;
    uint64_t root = read_cr3() & PTE_ADDR_MASK;
    uint64_t text = leaf_entry(root, (uint64_t)__image_start);
    uint64_t ro = leaf_entry(root, (uint64_t)__rodata_start);
    uint64_t data = leaf_entry(root, (uint64_t)__data_start);
    uint64_t phys = leaf_entry(root, PHYSMAP_BASE + KERNEL_LOAD_PHYS);
    uint64_t phys_ro = leaf_entry(root, PHYSMAP_BASE + image_phys(__rodata_start));
    uint64_t phys_data = leaf_entry(root, PHYSMAP_BASE + image_phys(__data_start));
#define SELF_CHECK(cond, what) do { if (!(cond)) { log_error("mmu self-check: %s", what); bad++; } } while (0)
    SELF_CHECK((text & PTE_P) && !(text & PTE_W) && !(text & PTE_NX), "kernel text must be read+execute");
    SELF_CHECK((ro & PTE_P) && !(ro & PTE_W) && (ro & nx_bit) == nx_bit, "kernel rodata must be read-only, no-execute");
    SELF_CHECK((data & PTE_P) && (data & PTE_W) && (data & nx_bit) == nx_bit, "kernel data must be no-execute");
    SELF_CHECK((phys & nx_bit) == nx_bit, "the physical map must be no-execute");
    SELF_CHECK((phys & PTE_P) && !(phys & PTE_W), "kernel text must be read-only in the physical map");
    SELF_CHECK((phys_ro & PTE_P) && !(phys_ro & PTE_W) && (phys_ro & nx_bit) == nx_bit,
               "kernel rodata must be read-only, no-execute in the physical map");
    SELF_CHECK((phys_data & PTE_P) && (phys_data & PTE_W) && (phys_data & nx_bit) == nx_bit,
               "kernel data must be no-execute in the physical map");
    bad += check_read_only_after_boot(root);
    SELF_CHECK(!(leaf_entry(root, (uint64_t)boot_stack_guard) & PTE_P), "kernel stack guard page must be unmapped");
    SELF_CHECK(!(leaf_entry(root, (uint64_t)df_stack_guard) & PTE_P), "double-fault stack guard page must be unmapped");
    SELF_CHECK(!(leaf_entry(root, (uint64_t)nmi_stack_guard) & PTE_P), "NMI stack guard page must be unmapped");
    SELF_CHECK(!(leaf_entry(root, 0) & PTE_P), "nothing may be mapped at address 0");
    SELF_CHECK(!cpu_has_feature(BST_CPU_SMEP) || (read_cr4() & CR4_SMEP), "SMEP must be on");
    SELF_CHECK(!cpu_has_feature(BST_CPU_SMAP) || (read_cr4() & CR4_SMAP), "SMAP must be on");
    SELF_CHECK(!cpu_has_feature(BST_CPU_UMIP) || (read_cr4() & CR4_UMIP), "UMIP must be on");
    SELF_CHECK(!cpu_has_feature(BST_CPU_NX) || (rdmsr(MSR_EFER) & EFER_NXE), "NX must be on");
    SELF_CHECK(read_cr0() & CR0_WP, "CR0.WP must be on (read-only pages bind the kernel too)");
#undef SELF_CHECK
    return bad;
}

bool arch_phys_map_contains(const void *p, size_t size)
{
    uint64_t offset = (uint64_t)p - (uint64_t)arch_phys_to_virt(0);
    return (uint64_t)p >= (uint64_t)arch_phys_to_virt(0) && offset <= physmap_end && size <= physmap_end - offset;
}
