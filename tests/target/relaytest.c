#include "tests/target/relaytest.h"
#include "tests/target/captest.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define PAGE BST_PAGE_SIZE
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define RX (BST_RIGHT_READ | BST_RIGHT_EXECUTE)
#define WB BST_CACHE_WRITE_BACK
#define IMAGE_MAX (64ull << 20) /* the probe gives up past this */
#define TABLE_SPAN (2ull << 20) /* what one page table translates */

/* A space's slots, relative to its first. */
enum {
    SL_PML4, SL_PDPT, SL_PD, SL_PT_LOW, SL_PT_IMAGE,
    SL_SHARED = SL_PT_IMAGE + 4, SL_STACK,
    SL_IMAGE = SL_STACK + RELAY_STACK_ENTRIES * RELAY_STACK_SLOTS * RELAY_STACK_SIZE / PAGE,
};
#define IMAGE_TABLES (SL_SHARED - SL_PT_IMAGE)
#define IMAGE_FRAMES (RELAY_SPACE_SLOTS - SL_IMAGE)

static uint64_t image_end;

static bst_cptr_t space_first(unsigned n) { return scratch_slot(64) + n * RELAY_SPACE_SLOTS; }

/*
 * The image is contiguous from RELAY_IMAGE_BASE (text, rodata, data and bss
 * each start on a page boundary right after the one before): its end is the
 * first page where a frame can be mapped. The probe frame is the first
 * image frame's slot, before the image is copied.
 */
static uint64_t probe_image_end(bst_cptr_t probe)
{
    for (uint64_t va = RELAY_IMAGE_BASE; va < RELAY_IMAGE_BASE + IMAGE_MAX; va += PAGE) {
        uint64_t e = bst_frame_map(probe, BST_CAP_ROOT_VSPACE, va, BST_RIGHT_READ, WB);
        if (e == BST_E_DELETE_FIRST)
            continue;
        if (e == BST_OK)
            bst_frame_unmap(probe);
        return va;
    }
    return 0;
}

uint64_t relay_image_end(void) { return image_end; }

uint64_t relay_shared_map(bst_cptr_t frame)
{
    uint64_t e = bst_frame_map(frame, BST_CAP_ROOT_VSPACE, RELAY_SHARED_ADDR, RW, WB);
    if (e == BST_OK)
        memset((void *)RELAY_SHARED_ADDR, 0, PAGE);
    return e;
}

static uint64_t make(bst_cptr_t ut, uint64_t type, bst_cptr_t slot, uint64_t count)
{
    return retype_many(ut, type, 0, ROOT, 0, 0, slot, count);
}

static uint64_t copy_cap(bst_cptr_t dst, bst_cptr_t src, uint64_t rights)
{
    return bst_cnode_copy(ROOT, dst, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights);
}

/* PDPT and page directory for the low GiB; page tables for the low region and the image. */
static uint64_t make_tables(bst_cptr_t f, bst_cptr_t ut, uint64_t end)
{
    uint64_t e, tables = (end - RELAY_IMAGE_BASE + TABLE_SPAN - 1) / TABLE_SPAN;
    if (tables > IMAGE_TABLES)
        return BST_E_RANGE;
    if ((e = make(ut, BST_OBJ_PDPT, f + SL_PDPT, 1)) || (e = make(ut, BST_OBJ_PAGE_DIRECTORY, f + SL_PD, 1)) ||
        (e = make(ut, BST_OBJ_PAGE_TABLE, f + SL_PT_LOW, 1)) ||
        (e = make(ut, BST_OBJ_PAGE_TABLE, f + SL_PT_IMAGE, tables)) ||
        (e = bst_page_table_map(f + SL_PDPT, f + SL_PML4, 0)) || (e = bst_page_table_map(f + SL_PD, f + SL_PML4, 0)) ||
        (e = bst_page_table_map(f + SL_PT_LOW, f + SL_PML4, RELAY_STACK_BASE & ~(TABLE_SPAN - 1))))
        return e;
    for (uint64_t i = 0; i < tables; i++) {
        if ((e = bst_page_table_map(f + SL_PT_IMAGE + i, f + SL_PML4, RELAY_IMAGE_BASE + i * TABLE_SPAN)))
            return e;
    }
    return BST_OK;
}

/* Fills frame with the root's page at va through RELAY_COPY_ADDR, then maps it at va in pml4. */
static uint64_t copy_page(bst_cptr_t frame, bst_cptr_t pml4, uint64_t va)
{
    uint64_t e = bst_frame_map(frame, BST_CAP_ROOT_VSPACE, RELAY_COPY_ADDR, RW, WB);
    if (e)
        return e;
    memcpy((void *)RELAY_COPY_ADDR, (const void *)va, PAGE);
    if ((e = bst_frame_unmap(frame)))
        return e;
    return bst_frame_map(frame, pml4, va, RX, WB);
}

static uint64_t copy_image(bst_cptr_t f, bst_cptr_t ut)
{
    uint64_t e, pages = (image_end - RELAY_IMAGE_BASE) / PAGE;
    if (pages > IMAGE_FRAMES)
        return BST_E_RANGE;
    if ((e = make(ut, BST_OBJ_FRAME_4K, f + SL_IMAGE, pages)))
        return e;
    for (uint64_t i = 0; i < pages; i++) {
        if ((e = copy_page(f + SL_IMAGE + i, f + SL_PML4, RELAY_IMAGE_BASE + i * PAGE)))
            return e;
    }
    return BST_OK;
}

/* The shared frame's copy and the stacks. */
static uint64_t map_low(bst_cptr_t f, bst_cptr_t ut, bst_cptr_t shared)
{
    const uint64_t stack_pages = RELAY_STACK_ENTRIES * RELAY_STACK_SLOTS * RELAY_STACK_SIZE / PAGE;
    uint64_t e;
    if ((e = copy_cap(f + SL_SHARED, shared, RW)) ||
        (e = bst_frame_map(f + SL_SHARED, f + SL_PML4, RELAY_SHARED_ADDR, RW, WB)) ||
        (e = make(ut, BST_OBJ_FRAME_4K, f + SL_STACK, stack_pages)))
        return e;
    for (uint64_t i = 0; i < stack_pages; i++) {
        if ((e = bst_frame_map(f + SL_STACK + i, f + SL_PML4, RELAY_STACK_BASE + i * PAGE, RW, WB)))
            return e;
    }
    return BST_OK;
}

uint64_t relay_space_make(struct relay_space *s, unsigned n, bst_cptr_t ut, bst_cptr_t shared)
{
    bst_cptr_t f = space_first(n);
    uint64_t e;
    s->first = f;
    s->pml4 = f + SL_PML4;
    if (n >= RELAY_MAX_SPACES)
        return BST_E_RANGE;
    if (!image_end) {
        if ((e = make(ut, BST_OBJ_FRAME_4K, f + SL_IMAGE, 1)))
            return e;
        image_end = probe_image_end(f + SL_IMAGE);
        bst_cnode_delete(ROOT, f + SL_IMAGE, ROOT_DEPTH);
        if (!image_end)
            return BST_E_RANGE;
    }
    if ((e = make(ut, BST_OBJ_PML4, s->pml4, 1)) || (e = bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, s->pml4, 0)) ||
        (e = make_tables(f, ut, image_end)) || (e = map_low(f, ut, shared)))
        return e;
    return copy_image(f, ut);
}

uint64_t relay_register(bst_cptr_t table, uint64_t index, const struct relay_space *s, void (*entry_point)(void),
                        uint64_t nesting, bst_cptr_t dest)
{
    struct bst_xentry_desc d = {
        .index = index,
        .cspace = ROOT,
        .vspace = s->pml4,
        .entry_point = (uint64_t)entry_point,
        .stack_base = relay_stack_base(index),
        .stack_size = RELAY_STACK_SIZE,
        .max_nesting = nesting,
    };
    if (index >= RELAY_STACK_ENTRIES || nesting > RELAY_STACK_SLOTS)
        return BST_E_RANGE; /* the space has no stacks for it */
    return bst_xentry_register(table, &d, ROOT, dest, ROOT_DEPTH);
}

uint64_t relay_bind(bst_cptr_t tcb, bst_cptr_t ut, bst_cptr_t table, bst_cptr_t link, unsigned depth_bits)
{
    uint64_t e;
    if ((e = bst_untyped_retype(ut, BST_OBJ_XENTRY_TABLE, 0, ROOT, 0, 0, table, 1)) ||
        (e = bst_untyped_retype(ut, BST_OBJ_LINK_STACK, depth_bits, ROOT, 0, 0, link, 1)))
        return e;
    return bst_tcb_set_relay(tcb, table, link);
}

bool relay_view_holds(uint64_t base, uint64_t size, uint64_t value)
{
    for (uint64_t page = base; page < base + size; page += PAGE) {
        const volatile uint64_t *w = (const volatile uint64_t *)page;
        if (w[0] != value || w[PAGE / sizeof(uint64_t) - 1] != value)
            return false;
    }
    return size != 0;
}

void relay_view_fill(uint64_t base, uint64_t size, uint64_t value)
{
    for (uint64_t page = base; page < base + size; page += PAGE) {
        volatile uint64_t *w = (volatile uint64_t *)page;
        w[0] = value;
        w[PAGE / sizeof(uint64_t) - 1] = value;
    }
}

__asm__(".text\n.globl relay_touch\n.type relay_touch,@function\nrelay_touch:\n"
        ".globl relay_touch_insn\nrelay_touch_insn:\n"
        "  movq (%rdi), %rax\n  ret\n");
