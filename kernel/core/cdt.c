#include "kernel/core/cdt.h"
#include "lib/string.h"

void cdt_insert_child(struct slot *parent, struct slot *child)
{
    child->parent = parent;
    child->first_child = 0;
    child->prev_sibling = 0;
    child->next_sibling = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev_sibling = child;
    parent->first_child = child;
}

/* Replaces old by the chain first..last in old's sibling list (or unlinks old if chain empty). */
static void splice_into_place(struct slot *old, struct slot *first, struct slot *last)
{
    struct slot *prev = old->prev_sibling, *next = old->next_sibling;
    if (!first) {
        first = next;
        last = 0;
    } else {
        last->next_sibling = next;
        if (next)
            next->prev_sibling = last;
    }
    if (prev)
        prev->next_sibling = first;
    else if (old->parent)
        old->parent->first_child = first;
    if (first)
        first->prev_sibling = prev;
    (void)last;
}

void cdt_remove(struct slot *slot)
{
    struct slot *first = slot->first_child, *last = first;
    for (struct slot *c = first; c; c = c->next_sibling) {
        c->parent = slot->parent;
        last = c;
    }
    splice_into_place(slot, first, last);
    slot->parent = slot->first_child = slot->next_sibling = slot->prev_sibling = 0;
}

void cdt_lift_first_child(struct slot *slot)
{
    struct slot *c = slot->first_child;
    slot->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = 0;
    c->parent = slot->parent;
    c->next_sibling = slot;
    c->prev_sibling = slot->prev_sibling;
    if (slot->prev_sibling)
        slot->prev_sibling->next_sibling = c;
    else if (slot->parent)
        slot->parent->first_child = c;
    slot->prev_sibling = c;
}

void cdt_move(struct slot *dst, struct slot *src)
{
    *dst = *src;
    if (dst->prev_sibling)
        dst->prev_sibling->next_sibling = dst;
    else if (dst->parent)
        dst->parent->first_child = dst;
    if (dst->next_sibling)
        dst->next_sibling->prev_sibling = dst;
    for (struct slot *c = dst->first_child; c; c = c->next_sibling)
        c->parent = dst;
    memset(src, 0, sizeof(*src));
}

bool cdt_is_final(const struct slot *slot)
{
    const struct cap *c = &slot->cap;
    if (slot->parent && cap_same_object(&slot->parent->cap, c))
        return false;
    if (slot->prev_sibling && cap_same_object(&slot->prev_sibling->cap, c))
        return false;
    if (slot->next_sibling && cap_same_object(&slot->next_sibling->cap, c))
        return false;
    return !(slot->first_child && cap_same_object(&slot->first_child->cap, c));
}

struct slot *cdt_first_leaf(struct slot *slot)
{
    if (!slot->first_child)
        return 0;
    struct slot *s = slot->first_child;
    while (s->first_child)
        s = s->first_child;
    return s;
}

/* The next slot after n, in pre-order within top's subtree, naming obj; whole subtrees of other objects are skipped. */
static struct slot *subtree_next(const struct slot *top, struct slot *n, const struct cap *obj)
{
    struct slot *c = n->first_child;
    for (;;) {
        for (; c; c = c->next_sibling)
            if (cap_same_object(&c->cap, obj))
                return c;
        if (n == top)
            return 0;
        c = n->next_sibling;
        n = n->parent;
    }
}

struct slot *cdt_find_same_object(struct slot *slot, cdt_visit_fn visit, void *ctx)
{
    const struct cap obj = slot->cap; /* a copy: visit may change the slots it is given */
    struct slot *top = slot;
    while (top->parent && cap_same_object(&top->parent->cap, &obj))
        top = top->parent;
    while (top->prev_sibling && cap_same_object(&top->prev_sibling->cap, &obj))
        top = top->prev_sibling;
    /* No recursion: a chain of copies of copies may be as deep as there are slots. */
    for (; top && cap_same_object(&top->cap, &obj); top = top->next_sibling)
        for (struct slot *n = top; n; n = subtree_next(top, n, &obj))
            if (visit(n, ctx))
                return n;
    return 0;
}
