#include "kernel/core/invariant.h"
#include "kernel/core/cdt.h"
#include "kernel/core/delete.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"

#define CHECK_LIMIT 8 /* violations logged per check; more are only counted */

static unsigned violations;

static void violation(const char *what, const struct slot *s)
{
    if (violations++ < CHECK_LIMIT)
        log_error("invariant: %s (slot %p, %s)", what, (const void *)s,
                  s ? cap_type_name(cap_type(&s->cap)) : "-");
}

static uint64_t object_bytes(const struct cap *c)
{
    switch (cap_type(c)) {
    case BST_OBJ_UNTYPED: return 1ull << cap_size_bits(c);
    case BST_OBJ_CNODE: return 1ull << (cap_size_bits(c) + BST_SLOT_SIZE_BITS);
    case BST_OBJ_TCB: return 1ull << BST_TCB_SIZE_BITS;
    case BST_OBJ_ENDPOINT: return 1ull << BST_ENDPOINT_SIZE_BITS;
    case BST_OBJ_NOTIFICATION: return 1ull << BST_NOTIFICATION_SIZE_BITS;
    case BST_OBJ_FRAME_2M: return 1ull << BST_FRAME_2M_BITS;
    case BST_OBJ_FRAME_4K:
    case BST_OBJ_PAGE_TABLE:
    case BST_OBJ_PAGE_DIRECTORY:
    case BST_OBJ_PDPT:
    case BST_OBJ_PML4: return 1ull << BST_PAGE_TABLE_BITS;
    case BST_OBJ_ASID_POOL: return 1ull << BST_ASID_POOL_SIZE_BITS;
    default: return 0;
    }
}

/* Children of an untyped lie inside it, below its watermark, and never overlap each other. */
static void check_untyped_children(const struct slot *ut)
{
    uint64_t base = ut->cap.paddr, end = base + (1ull << cap_size_bits(&ut->cap));
    uint64_t watermark = base + ut->cap.w2;
    for (const struct slot *c = ut->first_child; c; c = c->next_sibling) {
        uint64_t cb = c->cap.paddr, ce = cb + object_bytes(&c->cap);
        if (cb < base || ce > end)
            violation("object outside its untyped", c);
        if (ce > watermark)
            violation("object above its untyped's watermark", c);
        for (const struct slot *d = c->next_sibling; d; d = d->next_sibling) {
            uint64_t db = d->cap.paddr, de = db + object_bytes(&d->cap);
            if (!cap_same_object(&c->cap, &d->cap) && cb < de && db < ce)
                violation("two objects of one untyped overlap", d);
        }
    }
}

static void check_links(const struct slot *s)
{
    for (const struct slot *c = s->first_child; c; c = c->next_sibling) {
        if (c->parent != s)
            violation("child does not point back to its parent", c);
        if (c->next_sibling && c->next_sibling->prev_sibling != c)
            violation("sibling links disagree", c);
        if (cap_is_null(&c->cap))
            violation("empty slot in the derivation tree", c);
    }
    if (s->first_child && s->first_child->prev_sibling)
        violation("first child has a previous sibling", s->first_child);
}

static void check_derivation(const struct slot *s)
{
    const struct slot *p = s->parent;
    if (!p || !cap_same_object(&p->cap, &s->cap))
        return;
    if (cap_rights(&s->cap) & ~cap_rights(&p->cap))
        violation("a derived cap has rights its parent lacks", s);
}

unsigned invariants_check_tree(const struct slot *root)
{
    violations = 0;
    /* Iterative pre-order walk over the whole tree: no recursion on the kernel stack. */
    const struct slot *s = root;
    while (s) {
        check_links(s);
        if (s != root)
            check_derivation(s);
        if (s != root && cap_type(&s->cap) == BST_OBJ_UNTYPED)
            check_untyped_children(s);
        if (s->first_child) {
            s = s->first_child;
            continue;
        }
        while (s && s != root && !s->next_sibling)
            s = s->parent;
        s = (s && s != root) ? s->next_sibling : 0;
    }
    return violations;
}

unsigned invariants_check(void)
{
    unsigned total = invariants_check_tree(&cdt_boot_root);
    total += invariants_check_ready_queues();
    return total;
}
