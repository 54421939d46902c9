#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"
#include "kernel/core/invariant.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/delete.h"
#include "kernel/core/sched.h"
#include "kernel/lib/log.h"
#include "lib/string.h"

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
    case BST_OBJ_RELAY_SEGMENT: return relay_segment_footprint(cap_size_bits(c));
    case BST_OBJ_XENTRY_TABLE: return 1ull << BST_XENTRY_TABLE_BITS;
    case BST_OBJ_LINK_STACK: return 1ull << (cap_size_bits(c) + BST_LINK_RECORD_BITS);
    default: return 0; /* XEntry caps name a table entry: the table's cap covers the memory */
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

/* Pre-order successor of s in the tree under root (no recursion on the kernel stack). */
static const struct slot *tree_next(const struct slot *root, const struct slot *s)
{
    if (s->first_child)
        return s->first_child;
    while (s && s != root && !s->next_sibling)
        s = s->parent;
    return (s && s != root) ? s->next_sibling : 0;
}

/* ---- every slot of every container, not only the tree (forged caps live outside it) */

/*
 * CNodes and TCBs already walked in this check, by object address: an open
 * addressing set in static memory (no allocation). A system with more
 * containers than fit is checked only through the tree, and the log says so.
 */
#define CONTAINER_SET_SIZE 4096u
static uint64_t containers_seen[CONTAINER_SET_SIZE];
static bool container_set_full;

static bool first_visit(uint64_t paddr)
{
    unsigned i = (unsigned)((paddr >> 5) * 0x9e3779b97f4a7c15ull >> 52) % CONTAINER_SET_SIZE;
    for (unsigned probes = 0; probes < CONTAINER_SET_SIZE; probes++, i = (i + 1) % CONTAINER_SET_SIZE) {
        if (containers_seen[i] == paddr)
            return false;
        if (containers_seen[i] == 0) {
            containers_seen[i] = paddr;
            return true;
        }
    }
    container_set_full = true;
    return false;
}

/* A link word of a slot that may be forged: it must point into kernel memory that can hold a slot. */
static bool plausible_slot(const struct slot *p, const struct slot *root)
{
    return p == root || (p && ((uint64_t)p & 7) == 0 && arch_phys_map_contains(p, sizeof(*p)));
}

/* The slot is linked into the tree: its parent or previous sibling points back at it. */
static bool linked_in_tree(const struct slot *s, const struct slot *root)
{
    if (!plausible_slot(s->parent, root))
        return false;
    if (s->prev_sibling)
        return plausible_slot(s->prev_sibling, root) && s->prev_sibling->next_sibling == s;
    return s->parent->first_child == s;
}

/* A memory object lies inside the nearest untyped above it (boot objects have none). */
static void check_object_place(const struct slot *s, const struct slot *root)
{
    uint64_t bytes = object_bytes(&s->cap);
    if (!bytes || s->cap.paddr == 0)
        return; /* control caps name no memory */
    const struct slot *p = s->parent;
    while (p != root && cap_type(&p->cap) != BST_OBJ_UNTYPED)
        p = p->parent;
    if (p == root)
        return;
    uint64_t base = p->cap.paddr, end = base + (1ull << cap_size_bits(&p->cap));
    if (s->cap.paddr < base || s->cap.paddr + bytes > end)
        violation("a capability names memory outside its untyped", s);
}

/* Checks the slots of one container; returns how many hold a capability. */
static uint64_t check_container(struct slot *slots, uint64_t count, const struct slot *root)
{
    uint64_t caps = 0;
    for (uint64_t i = 0; i < count; i++) {
        const struct slot *s = &slots[i];
        if (cap_is_null(&s->cap))
            continue;
        caps++;
        if (!linked_in_tree(s, root))
            violation("a capability outside the derivation tree (forged?)", s);
        else
            check_object_place(s, root);
    }
    return caps;
}

/* The slots of the container a tree cap names, the first time it is met; else 0. */
static uint64_t check_named_container(const struct cap *c, const struct slot *root)
{
    if (cap_type(c) == BST_OBJ_CNODE && first_visit(c->paddr))
        /* Slot 0 is reserved: its words hold destruction state, never a capability. */
        return check_container(cnode_slots(c) + CNODE_RESERVED_INDEX + 1,
                               (1ull << cap_size_bits(c)) - 1, root);
    if (cap_type(c) == BST_OBJ_TCB && first_visit(c->paddr))
        return check_container(tcb_cap_slots(arch_phys_to_virt(c->paddr)), TCB_CAP_SLOTS, root);
    if (cap_type(c) == BST_OBJ_XENTRY_TABLE && first_visit(c->paddr))
        return check_container(xentry_slots(c), XENTRY_TABLE_SLOTS, root);
    return 0;
}

/*
 * Every capability a thread can reach is in a CNode or a TCB, and every
 * CNode and TCB has a capability in the tree. So walking the slots of every
 * container the tree names reaches every capability, and their number must
 * equal the tree's: one more is a capability outside the tree.
 */
static void check_every_slot(const struct slot *root, uint64_t tree_caps)
{
    memset(containers_seen, 0, sizeof(containers_seen));
    container_set_full = false;
    uint64_t slot_caps = 0;
    for (const struct slot *s = root; s; s = tree_next(root, s))
        if (s != root)
            slot_caps += check_named_container(&s->cap, root);
    if (container_set_full) {
        log_warn("invariant: more than %u CNodes and TCBs: slots checked only through the tree",
                 CONTAINER_SET_SIZE);
        return;
    }
    if (slot_caps != tree_caps) {
        violation("capabilities in CNodes and TCBs do not match the derivation tree", 0);
        log_error("invariant: %llu capabilities in slots, %llu in the tree", (unsigned long long)slot_caps,
                  (unsigned long long)tree_caps);
    }
}

unsigned invariants_check_tree(const struct slot *root)
{
    violations = 0;
    uint64_t tree_caps = 0;
    for (const struct slot *s = root; s; s = tree_next(root, s)) {
        check_links(s);
        if (s == root)
            continue;
        tree_caps++;
        check_derivation(s);
        if (cap_type(&s->cap) == BST_OBJ_UNTYPED)
            check_untyped_children(s);
    }
    check_every_slot(root, tree_caps);
    return violations;
}

unsigned invariants_check(void)
{
    /* Containers a preempted Delete left half-emptied are unreachable but still hold tree caps:
     * finish them first (the checker is unbounded anyway, and exists in debug builds only). */
    while (!delete_finish_pending())
        ;
    unsigned total = invariants_check_tree(&cdt_boot_root);
    total += invariants_check_ready_queues();
    return total;
}
