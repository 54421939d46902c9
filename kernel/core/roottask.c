#include <bastion/bootinfo.h>
#include "kernel/core/roottask.h"
#include "kernel/core/elf.h"
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
    bi->free_ram_bytes = bootmem_free_bytes(bm);
    bi->tsc_hz = arch_tsc_hz();
    bi->timer_hz = arch_timer_hz();
    bi->cpu_features = arch_cpu_features();
    strlcpy(bi->cmdline, p->cmdline, sizeof(bi->cmdline));
}

const char *roottask_create(struct tcb *tcb, struct bootmem *bm, const struct boot_params *p)
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
    uint64_t exchange_pa, bootinfo_pa;
    if ((why = map_stack(root)) ||
        (why = map_fresh_page(root, BST_ROOT_EXCHANGE_ADDR, ARCH_MAP_READ | ARCH_MAP_WRITE, &exchange_pa)) ||
        (why = map_fresh_page(root, BST_ROOT_BOOTINFO_ADDR, ARCH_MAP_READ, &bootinfo_pa)))
        return why;
    struct bst_bootinfo *bi = arch_phys_to_virt(bootinfo_pa);
    if ((why = map_modules(root, p, bi)))
        return why;
    fill_bootinfo(bi, bm, p);

    tcb_init(tcb, "root", ROOT_TASK_PRIORITY);
    tcb->vspace_root = root;
    tcb->exchange_paddr = exchange_pa;
    tcb->exchange_uaddr = BST_ROOT_EXCHANGE_ADDR;
    arch_context_init_user(&tcb->context, elf.entry, BST_ROOT_STACK_TOP, BST_ROOT_BOOTINFO_ADDR,
                           BST_ROOT_EXCHANGE_ADDR);
    tcb->state = THREAD_RUNNING;
    log_info("root task: '%s', %u segments, entry %#llx", image->name, elf.segment_count,
             (unsigned long long)elf.entry);
    return 0;
}
