#include <bastion/bootinfo.h>
#include "kernel/core/roottask.h"
#include "kernel/core/asid.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "lib/elf.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

#define PAGE BST_PAGE_SIZE
#define USER_IMAGE_MIN 0x400000ull        /* above the root task's stack and bootinfo */
#define USER_IMAGE_MAX 0x0000001000000000ull /* below the module window */

static struct bootmem *loader_mem;
static uint64_t loader_alloc_page(void) { return bootmem_alloc_page(loader_mem); }

static const char *map(uint64_t root, uint64_t va, uint64_t pa, unsigned perms)
{
    switch (arch_vspace_map_page(root, va, pa, perms | ARCH_MAP_USER, loader_alloc_page)) {
    case 0: return 0;
    case ARCH_MAP_E_WX: return "a mapping would be writable and executable";
    case ARCH_MAP_E_NOMEM: return "out of memory for page tables";
    case ARCH_MAP_E_MAPPED: return "two mappings at one address";
    default: return "address outside the user range";
    }
}

static unsigned segment_perms(unsigned elf_perms)
{
    return ARCH_MAP_READ | ((elf_perms & ELF_SEG_WRITE) ? ARCH_MAP_WRITE : 0) |
           ((elf_perms & ELF_SEG_EXEC) ? ARCH_MAP_EXEC : 0);
}

/* Copies one segment into fresh pages, page by page, and maps them with the segment's rights. */
static const char *load_segment(uint64_t root, const uint8_t *file, const struct elf_segment *s)
{
    uint64_t start = s->vaddr & ~(PAGE - 1);
    uint64_t end = (s->vaddr + s->mem_size + PAGE - 1) & ~(PAGE - 1);
    for (uint64_t va = start; va < end; va += PAGE) {
        uint64_t pa = bootmem_alloc_page(loader_mem);
        if (!pa)
            return "out of memory for the image";
        uint8_t *dst = arch_phys_to_virt(pa);
        /* The file bytes that fall into [va, va + PAGE). */
        uint64_t file_lo = s->vaddr, file_hi = s->vaddr + s->file_size;
        uint64_t lo = va > file_lo ? va : file_lo, hi = va + PAGE < file_hi ? va + PAGE : file_hi;
        if (lo < hi)
            memcpy(dst + (lo - va), file + s->file_offset + (lo - s->vaddr), hi - lo);
        const char *why = map(root, va, pa, segment_perms(s->perms));
        if (why)
            return why;
    }
    return 0;
}

/* Root CSpace: slot i of the root CNode. */
static struct slot *root_slots;

static void boot_cap(unsigned slot, struct cap cap)
{
    cap_set_flags(&cap, cap_flags(&cap) | CAP_FLAG_ORIGINAL);
    root_slots[slot].cap = cap;
    cdt_insert_child(&cdt_boot_root, &root_slots[slot]);
}

/* The TCB's own copy of a boot cap, as TCB_Configure would make it. */
static void tcb_copy(struct slot *dst, unsigned from)
{
    dst->cap = root_slots[from].cap;
    cap_set_flags(&dst->cap, cap_flags(&dst->cap) & ~CAP_FLAG_ORIGINAL);
    if (cap_type(&dst->cap) == BST_OBJ_FRAME_4K)
        dst->cap.w2 = dst->cap.w3 = 0; /* a copy is not the mapping: deleting it must not unmap */
    cdt_insert_child(&root_slots[from], dst);
}

static const char *make_cspace(uint64_t *cnode_pa)
{
    *cnode_pa = bootmem_alloc(loader_mem, (1ull << (BST_ROOT_CNODE_RADIX + BST_SLOT_SIZE_BITS)), PAGE);
    if (!*cnode_pa)
        return "out of memory for the root CNode";
    root_slots = arch_phys_to_virt(*cnode_pa);
    return 0;
}

/* ASID pool 0, from boot memory as the root CNode is: the root task's own ASID comes from it. */
static const char *make_asid_pool(uint64_t *pool_pa)
{
    *pool_pa = loader_alloc_page();
    if (!*pool_pa)
        return "out of memory for the root task's ASID pool";
    memset(arch_phys_to_virt(*pool_pa), 0, PAGE);
    asid_pool_install(0, *pool_pa);
    return 0;
}

/* Largest power-of-two block at base that is aligned and fits below end. */
static unsigned block_bits(uint64_t base, uint64_t end)
{
    unsigned bits = BST_UNTYPED_MAX_BITS;
    while (bits > BST_PAGE_SHIFT && ((base & ((1ull << bits) - 1)) || base + (1ull << bits) > end))
        bits--;
    return bits;
}

static void add_untyped(struct bst_bootinfo *bi, uint64_t base, uint64_t end, bool device)
{
    while (end - base >= PAGE && bi->untyped_count < BST_BOOTINFO_MAX_UNTYPED) {
        unsigned bits = block_bits(base, end);
        unsigned slot = BST_CAP_FIRST_UNTYPED + (unsigned)bi->untyped_count;
        struct cap c = cap_make(BST_OBJ_UNTYPED, BST_RIGHTS_ALL, bits, base);
        if (device)
            cap_set_flags(&c, CAP_FLAG_DEVICE);
        boot_cap(slot, c);
        bi->untyped[bi->untyped_count++] = (struct bst_untyped_desc){
            .paddr = base, .size_bits = (uint8_t)bits, .is_device = device, .slot = slot};
        base += 1ull << bits;
    }
}

#define VGA_MEMORY_START 0xa0000ull
#define VGA_MEMORY_END 0xc0000ull
#define PCI_HOLE_END 0xfec00000ull /* IOAPIC and local APIC above stay the kernel's */

/* All remaining boot memory becomes Untyped; device regions become device Untyped. */
static void hand_out_memory(struct bst_bootinfo *bi, struct bootmem *bm)
{
    uint64_t low_ram_end = 0;
    for (unsigned i = 0; i < bm->free_count; i++) {
        add_untyped(bi, bm->free[i].base, bm->free[i].base + bm->free[i].size, false);
        if (bm->free[i].base + bm->free[i].size <= PCI_HOLE_END)
            low_ram_end = bm->free[i].base + bm->free[i].size;
    }
    bi->free_ram_bytes = bootmem_free_bytes(bm);
    bm->free_count = 0; /* boot memory is used up: from now on the kernel allocates nothing */
    add_untyped(bi, VGA_MEMORY_START, VGA_MEMORY_END, true);
    uint64_t hole = (low_ram_end + (1ull << 28) - 1) & ~((1ull << 28) - 1);
    if (hole < PCI_HOLE_END)
        add_untyped(bi, hole, PCI_HOLE_END, true);
}

static const char *map_fresh_page(uint64_t root, uint64_t va, unsigned perms, uint64_t *pa_out)
{
    uint64_t pa = bootmem_alloc_page(loader_mem);
    if (!pa)
        return "out of memory";
    if (pa_out)
        *pa_out = pa;
    return map(root, va, pa, perms);
}

static const char *map_stack(uint64_t root)
{
    /* The page below the stack stays unmapped: an overflow faults. */
    for (unsigned i = 1; i <= BST_ROOT_STACK_PAGES; i++) {
        const char *why = map_fresh_page(root, BST_ROOT_STACK_TOP - i * PAGE,
                                         ARCH_MAP_READ | ARCH_MAP_WRITE, 0);
        if (why)
            return why;
    }
    return 0;
}

static const char *map_modules(uint64_t root, const struct boot_params *p, struct bst_bootinfo *bi)
{
    uint64_t va = BST_ROOT_MODULES_ADDR;
    for (unsigned i = 1; i < p->module_count && i - 1 < BST_BOOTINFO_MAX_MODULES; i++) {
        const struct boot_module *m = &p->modules[i];
        struct bst_boot_module *d = &bi->modules[bi->module_count++];
        d->user_addr = va + (m->paddr & (PAGE - 1));
        d->size = m->size;
        strlcpy(d->name, m->name, sizeof(d->name));
        for (uint64_t pa = m->paddr & ~(PAGE - 1); pa < m->paddr + m->size; pa += PAGE, va += PAGE) {
            const char *why = map(root, va, pa, ARCH_MAP_READ);
            if (why)
                return why;
        }
        va += PAGE; /* a gap between modules */
    }
    return 0;
}

static void fill_bootinfo(struct bst_bootinfo *bi, const struct bootmem *bm, const struct boot_params *p)
{
    bi->magic = BST_BOOTINFO_MAGIC;
    bi->total_ram_bytes = bm->total_ram;
    bi->tsc_hz = arch_tsc_hz();
    bi->timer_hz = arch_timer_hz();
    bi->cpu_features = arch_cpu_features();
    strlcpy(bi->cmdline, p->cmdline, sizeof(bi->cmdline));
}

static struct tcb *make_tcb(uint64_t vspace, uint64_t entry, uint64_t *pa_out)
{
    uint64_t pa = bootmem_alloc(loader_mem, 1ull << BST_TCB_SIZE_BITS, PAGE);
    if (!pa)
        return 0;
    *pa_out = pa;
    struct tcb *tcb = arch_phys_to_virt(pa);
    tcb_init(tcb, "root", ROOT_TASK_PRIORITY);
    tcb->max_controlled_priority = ROOT_TASK_PRIORITY;
    tcb->vspace_paddr = vspace;
    tcb->exchange_uaddr = BST_ROOT_EXCHANGE_ADDR;
    arch_context_init_user(&tcb->context, entry, BST_ROOT_STACK_TOP, BST_ROOT_BOOTINFO_ADDR,
                           BST_ROOT_EXCHANGE_ADDR);
    tcb->state = THREAD_RUNNING;
    return tcb;
}

/* The root task's capabilities: itself, its CSpace and address space, the control caps. */
static void make_boot_caps(struct tcb *tcb, uint64_t tcb_pa, uint64_t cnode_pa, uint64_t vspace, uint64_t exchange_pa,
                           uint64_t bootinfo_pa, uint64_t pool_pa)
{
    struct cap cnode = cap_make(BST_OBJ_CNODE, BST_RIGHTS_ALL, BST_ROOT_CNODE_RADIX, cnode_pa);
    cap_set_guard_bits(&cnode, 64 - BST_ROOT_CNODE_RADIX); /* guard 0: slot numbers are cptrs */
    boot_cap(BST_CAP_ROOT_CNODE, cnode);
    boot_cap(BST_CAP_ROOT_TCB, cap_make(BST_OBJ_TCB, BST_RIGHTS_ALL, 0, tcb_pa));
    /* Mapped caps name the address space by identity, never by the root's address. */
    uint64_t identity = asid_assign(0, vspace); /* from pool 0, installed by make_asid_pool */
    struct cap root_vspace = cap_make(BST_OBJ_PML4, BST_RIGHTS_ALL, 0, vspace);
    root_vspace.w3 = identity;
    boot_cap(BST_CAP_ROOT_VSPACE, root_vspace);
    boot_cap(BST_CAP_IRQ_CONTROL, cap_make(BST_OBJ_IRQ_CONTROL, BST_RIGHTS_ALL, 0, 0));
    boot_cap(BST_CAP_IOPORT_CONTROL, cap_make(BST_OBJ_IOPORT_CONTROL, BST_RIGHTS_ALL, 0, 0));
    boot_cap(BST_CAP_MACHINE_CONTROL, cap_make(BST_OBJ_MACHINE_CONTROL, BST_RIGHT_READ | BST_RIGHT_WRITE, 0, 0));
    boot_cap(BST_CAP_ASID_CONTROL, cap_make(BST_OBJ_ASID_CONTROL, BST_RIGHTS_ALL, 0, 0));
    boot_cap(BST_CAP_ROOT_ASID_POOL, cap_make(BST_OBJ_ASID_POOL, BST_RIGHTS_ALL, 0, pool_pa)); /* w2 0: pool 0 */
    struct cap exchange = cap_make(BST_OBJ_FRAME_4K, BST_RIGHT_READ | BST_RIGHT_WRITE, 0, exchange_pa);
    exchange.w2 = BST_ROOT_EXCHANGE_ADDR;
    exchange.w3 = identity;
    boot_cap(BST_CAP_ROOT_EXCHANGE, exchange);
    struct cap bootinfo = cap_make(BST_OBJ_FRAME_4K, BST_RIGHT_READ, 0, bootinfo_pa);
    bootinfo.w2 = BST_ROOT_BOOTINFO_ADDR;
    bootinfo.w3 = identity;
    boot_cap(BST_CAP_ROOT_BOOTINFO, bootinfo);
    tcb_copy(&tcb->cspace_root, BST_CAP_ROOT_CNODE);
    tcb_copy(&tcb->vspace_root, BST_CAP_ROOT_VSPACE);
    tcb_copy(&tcb->exchange_frame, BST_CAP_ROOT_EXCHANGE);
}

const char *roottask_create(struct tcb **root_out, struct bootmem *bm, const struct boot_params *p)
{
    loader_mem = bm;
    if (p->module_count == 0)
        return "no boot modules: the first module must be the root task's ELF image";
    const struct boot_module *image = &p->modules[0];
    const uint8_t *file = arch_phys_to_virt(image->paddr);
    struct elf_image elf;
    const char *why = elf_check(file, image->size, USER_IMAGE_MIN, USER_IMAGE_MAX, &elf);
    if (why)
        return why;
    uint64_t root = arch_vspace_create(loader_alloc_page);
    if (!root)
        return "out of memory for the address space";
    for (unsigned i = 0; i < elf.segment_count; i++) {
        if ((why = load_segment(root, file, &elf.segments[i])))
            return why;
    }
    uint64_t exchange_pa, bootinfo_pa, cnode_pa, pool_pa;
    if ((why = map_stack(root)) ||
        (why = map_fresh_page(root, BST_ROOT_EXCHANGE_ADDR, ARCH_MAP_READ | ARCH_MAP_WRITE, &exchange_pa)) ||
        (why = map_fresh_page(root, BST_ROOT_BOOTINFO_ADDR, ARCH_MAP_READ, &bootinfo_pa)) ||
        (why = make_cspace(&cnode_pa)) || (why = make_asid_pool(&pool_pa)))
        return why;
    struct bst_bootinfo *bi = arch_phys_to_virt(bootinfo_pa);
    if ((why = map_modules(root, p, bi)))
        return why;
    uint64_t tcb_pa;
    struct tcb *tcb = make_tcb(root, elf.entry, &tcb_pa);
    if (!tcb)
        return "out of memory for the root TCB";
    make_boot_caps(tcb, tcb_pa, cnode_pa, root, exchange_pa, bootinfo_pa, pool_pa);
    fill_bootinfo(bi, bm, p);
    hand_out_memory(bi, bm);
    bi->empty_first_slot = BST_CAP_FIRST_UNTYPED + bi->untyped_count;
    bi->empty_last_slot = 1ull << BST_ROOT_CNODE_RADIX;
    log_info("root task: '%s', %u segments, entry %#llx; %llu untyped caps, %llu KiB",
             image->name, elf.segment_count, (unsigned long long)elf.entry,
             (unsigned long long)bi->untyped_count, (unsigned long long)(bi->free_ram_bytes >> 10));
    *root_out = tcb;
    return 0;
}
