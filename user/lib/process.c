/*
 * Process creation from user level (process.h). A builder walks the steps in
 * order; each kernel object's cap goes into the next free slot of the
 * caller's range, so on any failure deleting that range in reverse takes the
 * half-made process apart completely.
 */
#include "user/lib/process.h"
#include <bastion/console.h>
#include <bastion/tcb.h>
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define DEPTH 64 /* capability addresses are full words */
#define PAGE BST_PAGE_SIZE
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define WORD_BITS 64

struct builder {
    const struct bst_spawn *p;
    struct bst_process *proc;
    struct bst_elf elf;
};

static uint64_t page_down(uint64_t a) { return a & ~(PAGE - 1); }
static uint64_t page_up(uint64_t a) { return page_down(a + PAGE - 1); }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Records the first failure only: the cleanup that follows must not overwrite it. */
static uint64_t fail(struct builder *b, uint64_t e, const char *why)
{
    if (e != BST_OK && !b->proc->why) {
        b->proc->why = why;
        b->proc->detail = bst_exchange->error;
    }
    return e;
}

/* ---- slots in the caller's CSpace */

static uint64_t take_slots(struct builder *b, uint64_t count, bst_cptr_t *first)
{
    struct bst_process *pr = b->proc;
    if (count > b->p->slot_count - pr->used)
        return fail(b, BST_E_RANGE, "the free slot range is used up");
    *first = pr->first_slot + pr->used;
    pr->used += count;
    return BST_OK;
}

static uint64_t take_slot(struct builder *b, bst_cptr_t *slot) { return take_slots(b, 1, slot); }

/* count objects from the untyped in one call (fewer kernel entries), their caps in the next slots. */
static uint64_t make_many(struct builder *b, uint64_t type, uint64_t size_bits, uint64_t count, bst_cptr_t *first)
{
    uint64_t e = take_slots(b, count, first);
    if (e != BST_OK)
        return e;
    e = bst_untyped_retype(b->p->untyped, type, size_bits, b->p->cnode, 0, 0, *first, count);
    if (e != BST_OK)
        b->proc->used -= count; /* Retype made all or nothing: the slots stayed empty */
    return fail(b, e, "retype failed (is the untyped large enough?)");
}

static uint64_t make(struct builder *b, uint64_t type, uint64_t size_bits, bst_cptr_t *slot)
{
    return make_many(b, type, size_bits, 1, slot);
}

/* A copy of one of the caller's caps, with rights masked, in the next slot. */
static uint64_t copy_here(struct builder *b, bst_cptr_t src, uint64_t rights, bst_cptr_t *slot)
{
    uint64_t e = take_slot(b, slot);
    if (e != BST_OK)
        return e;
    e = bst_cnode_copy(b->p->cnode, *slot, DEPTH, b->p->cnode, src, DEPTH, rights);
    if (e != BST_OK)
        b->proc->used--;
    return fail(b, e, "copying a cap the caller listed failed");
}

/* ---- the child's address space */

/* Paging structures a mapping may miss, by the address bits the kernel resolved before the gap. */
static const struct {
    uint64_t bits_resolved, type, span;
} tables[] = {
    {9, BST_OBJ_PDPT, 1ull << 39},
    {18, BST_OBJ_PAGE_DIRECTORY, 1ull << 30},
    {27, BST_OBJ_PAGE_TABLE, 1ull << 21},
};

static uint64_t add_table(struct builder *b, uint64_t vaddr, uint64_t bits_resolved)
{
    for (unsigned i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (tables[i].bits_resolved != bits_resolved)
            continue;
        bst_cptr_t slot;
        uint64_t e = make(b, tables[i].type, 0, &slot);
        if (e == BST_OK)
            e = bst_page_table_map(slot, b->proc->vspace, vaddr & ~(tables[i].span - 1));
        return fail(b, e, "mapping a paging structure in the child failed");
    }
    return fail(b, BST_E_LOOKUP_FAILED, "unexpected gap in the child's paging structures");
}

/* Maps the frame in the child, adding the paging structures on the way as the kernel reports them missing. */
static uint64_t map_in_child(struct builder *b, bst_cptr_t frame, uint64_t vaddr, uint64_t rights)
{
    for (unsigned missing = 0;; missing++) {
        uint64_t e = bst_frame_map(frame, b->proc->vspace, vaddr, rights, BST_CACHE_WRITE_BACK);
        if (e != BST_E_LOOKUP_FAILED || missing == sizeof(tables) / sizeof(tables[0]))
            return fail(b, e, "mapping a page in the child failed");
        if ((e = add_table(b, vaddr, bst_exchange->error.bits_resolved)) != BST_OK)
            return e;
    }
}

/* A fresh zeroed frame mapped in the child. */
static uint64_t fresh_page(struct builder *b, uint64_t vaddr, uint64_t rights, bst_cptr_t *frame)
{
    uint64_t e = make(b, BST_OBJ_FRAME_4K, 0, frame);
    return e != BST_OK ? e : map_in_child(b, *frame, vaddr, rights);
}

/* The segment's file bytes that fall into the page at va, copied through the scratch mapping. */
static uint64_t fill_page(struct builder *b, const struct bst_elf_segment *s, bst_cptr_t frame, uint64_t va)
{
    uint64_t lo = max_u64(va, s->vaddr), hi = min_u64(va + PAGE, s->vaddr + s->file_size);
    if (lo >= hi)
        return BST_OK; /* bss only: Retype zeroed the frame */
    const struct bst_spawn *p = b->p;
    uint64_t e = bst_frame_map(frame, p->vspace, p->scratch_vaddr, RW, BST_CACHE_WRITE_BACK);
    if (e != BST_OK)
        return fail(b, e, "the scratch page cannot be mapped in the caller's address space");
    memcpy((uint8_t *)p->scratch_vaddr + (lo - va), (const uint8_t *)p->image + s->offset + (lo - s->vaddr), hi - lo);
    /* Before the child maps it: W^X holds per frame, so a text page is never executable while writable here. */
    return fail(b, bst_frame_unmap(frame), "unmapping the scratch page failed");
}

static uint64_t load_segment(struct builder *b, const struct bst_elf_segment *s)
{
    uint64_t start = page_down(s->vaddr), pages = (page_up(s->vaddr + s->mem_size) - start) / PAGE;
    uint64_t rights = s->rights | BST_RIGHT_READ; /* every mapping is readable on this hardware */
    bst_cptr_t frames;
    uint64_t e = make_many(b, BST_OBJ_FRAME_4K, 0, pages, &frames);
    for (uint64_t i = 0; e == BST_OK && i < pages; i++) {
        if ((e = fill_page(b, s, frames + i, start + i * PAGE)) == BST_OK)
            e = map_in_child(b, frames + i, start + i * PAGE, rights);
    }
    struct bst_process *pr = b->proc;
    if (e == BST_OK)
        pr->segment[pr->segment_count++] = (struct bst_process_segment){start, pages, rights};
    return e;
}

/* The page below the stack stays unmapped: running off the stack faults instead of corrupting memory. */
static uint64_t make_stack(struct builder *b)
{
    unsigned pages = b->p->stack_pages ? b->p->stack_pages : BST_CHILD_STACK_PAGES;
    bst_cptr_t frames;
    uint64_t e = make_many(b, BST_OBJ_FRAME_4K, 0, pages, &frames);
    for (unsigned i = 0; e == BST_OK && i < pages; i++)
        e = map_in_child(b, frames + i, BST_CHILD_STACK_TOP - (i + 1) * PAGE, RW);
    b->proc->stack_top = BST_CHILD_STACK_TOP;
    return e;
}

static uint64_t share_frames(struct builder *b)
{
    for (unsigned i = 0; i < b->p->frame_count; i++) {
        const struct bst_spawn_frame *f = &b->p->frames[i];
        bst_cptr_t copy;
        uint64_t e = copy_here(b, f->frame, BST_RIGHTS_ALL, &copy);
        if (e != BST_OK || (e = map_in_child(b, copy, f->vaddr, f->rights)) != BST_OK)
            return e;
    }
    return BST_OK;
}

static uint64_t make_address_space(struct builder *b)
{
    uint64_t e = make(b, BST_OBJ_PML4, 0, &b->proc->vspace);
    if (e == BST_OK)
        e = fail(b, bst_asid_pool_assign(b->p->asid_pool, b->proc->vspace, 0),
                 "no ASID for the child (is asid_pool an ASID pool cap with free ASIDs?)");
    for (unsigned i = 0; e == BST_OK && i < b->elf.count; i++)
        e = load_segment(b, &b->elf.segment[i]);
    if (e == BST_OK)
        e = fresh_page(b, BST_CHILD_EXCHANGE_ADDR, RW, &b->proc->exchange);
    if (e == BST_OK)
        e = make_stack(b);
    return e == BST_OK ? share_frames(b) : e;
}

/* ---- the child's CSpace */

/* A CNode of 2^BST_CHILD_CNODE_RADIX slots and a copy guarded so that its slot numbers are cptrs. */
static uint64_t make_cnode(struct builder *b)
{
    bst_cptr_t plain;
    uint64_t e = make(b, BST_OBJ_CNODE, BST_CHILD_CNODE_RADIX, &plain);
    if (e == BST_OK)
        e = take_slot(b, &b->proc->cspace);
    if (e != BST_OK)
        return e;
    e = bst_cnode_mint(b->p->cnode, b->proc->cspace, DEPTH, b->p->cnode, plain, DEPTH, BST_RIGHTS_ALL, 0,
                       WORD_BITS - BST_CHILD_CNODE_RADIX);
    if (e != BST_OK)
        b->proc->used--;
    return fail(b, e, "guarding the child's CNode failed");
}

static uint64_t copy_to_child(struct builder *b, bst_cptr_t src, uint64_t child_slot, uint64_t rights)
{
    uint64_t e = bst_cnode_copy(b->proc->cspace, child_slot, DEPTH, b->p->cnode, src, DEPTH, rights);
    return fail(b, e, "copying a cap into the child's CNode failed");
}

static uint64_t fill_cnode(struct builder *b)
{
    struct bst_process *pr = b->proc;
    uint64_t e;
    if ((e = copy_to_child(b, pr->tcb, BST_CHILD_CAP_TCB, BST_RIGHTS_ALL)) != BST_OK ||
        (e = copy_to_child(b, pr->cspace, BST_CHILD_CAP_CNODE, BST_RIGHTS_ALL)) != BST_OK ||
        (e = copy_to_child(b, pr->vspace, BST_CHILD_CAP_VSPACE, BST_RIGHTS_ALL)) != BST_OK)
        return e;
    for (unsigned i = 0; i < b->p->cap_count; i++) {
        const struct bst_spawn_cap *c = &b->p->caps[i];
        if ((e = copy_to_child(b, c->cap, c->slot, c->rights)) != BST_OK)
            return e;
        if (c->slot == BST_CAP_CONSOLE)
            pr->start_flags |= BST_START_CONSOLE;
    }
    return BST_OK;
}

/* ---- the thread */

static uint64_t start_thread(struct builder *b)
{
    const struct bst_spawn *p = b->p;
    struct bst_process *pr = b->proc;
    uint64_t e = bst_tcb_configure(pr->tcb, pr->cspace, pr->vspace, pr->exchange, BST_CHILD_EXCHANGE_ADDR,
                                   p->fault_endpoint);
    if (e != BST_OK)
        return fail(b, e, "configuring the child's thread failed");
    if ((e = bst_tcb_set_priority(pr->tcb, p->authority, p->priority)) != BST_OK)
        return fail(b, e, "the authority TCB does not allow that priority");
    /* The start convention of bastion.h. */
    uint64_t regs[BST_REG_RDI + 1] = {
        [BST_REG_RIP] = pr->entry,          [BST_REG_RSP] = pr->stack_top,
        [BST_REG_RDX] = pr->start_flags,    [BST_REG_RSI] = BST_CHILD_EXCHANGE_ADDR,
        [BST_REG_RDI] = p->start_arg,
    };
    return fail(b, bst_tcb_write_registers(pr->tcb, true, BST_REG_RDI + 1, regs), "starting the child failed");
}

/* ---- checks before anything is made */

static uint64_t check_caps(struct builder *b)
{
    const struct bst_spawn *p = b->p;
    if (p->cap_count > BST_SPAWN_MAX_CAPS || (p->cap_count && !p->caps))
        return fail(b, BST_E_RANGE, "too many caps for the child");
    for (unsigned i = 0; i < p->cap_count; i++) {
        if (p->caps[i].slot < BST_CHILD_FIRST_FREE || p->caps[i].slot >= BST_CHILD_CNODE_SLOTS)
            return fail(b, BST_E_RANGE, "a child slot outside the free part of its CNode");
    }
    return BST_OK;
}

static uint64_t check_params(struct builder *b)
{
    const struct bst_spawn *p = b->p;
    uint64_t e = bst_elf_read(p->image, p->image_size, BST_SPAWN_IMAGE_MIN, BST_SPAWN_IMAGE_MAX, &b->elf);
    if (e != BST_OK)
        return fail(b, e, b->elf.why);
    b->proc->entry = b->elf.entry;
    if (p->stack_pages > BST_CHILD_STACK_MAX_PAGES)
        return fail(b, BST_E_RANGE, "stack larger than BST_CHILD_STACK_MAX_PAGES");
    if (p->frame_count > BST_SPAWN_MAX_FRAMES || (p->frame_count && !p->frames))
        return fail(b, BST_E_RANGE, "too many shared frames");
    if (p->scratch_vaddr % PAGE || !p->scratch_vaddr)
        return fail(b, BST_E_INVALID_ARG, "the scratch address is not a page address");
    return check_caps(b);
}

static uint64_t build(struct builder *b)
{
    uint64_t e = make_address_space(b);
    if (e == BST_OK)
        e = make_cnode(b);
    if (e == BST_OK)
        e = make(b, BST_OBJ_TCB, 0, &b->proc->tcb);
    if (e == BST_OK)
        e = fill_cnode(b);
    return e == BST_OK ? start_thread(b) : e;
}

uint64_t bst_process_spawn(const struct bst_spawn *params, struct bst_process *out)
{
    memset(out, 0, sizeof(*out));
    out->cnode = params->cnode;
    out->first_slot = params->first_slot;
    out->start_flags = BST_START_CHILD;
    struct builder b = {params, out, {0}};
    uint64_t e = check_params(&b);
    if (e == BST_OK && (e = build(&b)) != BST_OK)
        bst_process_destroy(out); /* keeps why and detail */
    return e;
}

void bst_process_destroy(struct bst_process *pr)
{
    if (pr->tcb)
        bst_tcb_suspend(pr->tcb); /* it must not run while it is taken apart */
    /* Reverse order, revoke first: the CNode holds caps to itself and to the TCB, which hold it in turn. */
    for (uint64_t i = pr->used; i-- > 0;) {
        bst_cnode_revoke(pr->cnode, pr->first_slot + i, DEPTH);
        bst_cnode_delete(pr->cnode, pr->first_slot + i, DEPTH);
    }
    pr->used = 0;
    pr->tcb = pr->vspace = pr->cspace = pr->exchange = 0;
}

/* The first word of a module's command line, without its directory. */
static bool module_is(const struct bst_boot_module *m, const char *name)
{
    size_t len = strnlen(m->name, BST_MODULE_NAME_LEN), start = 0, end = 0;
    while (end < len && m->name[end] != ' ')
        if (m->name[end++] == '/')
            start = end;
    return end - start == strlen(name) && strncmp(m->name + start, name, end - start) == 0;
}

const struct bst_boot_module *bst_boot_module(const char *name)
{
    for (uint64_t i = 0; bst_bootinfo && i < bst_bootinfo->module_count; i++) {
        if (module_is(&bst_bootinfo->modules[i], name))
            return &bst_bootinfo->modules[i];
    }
    return 0;
}
