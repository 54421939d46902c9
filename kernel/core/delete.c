#include "kernel/core/delete.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/preempt.h"
#include "kernel/object/objects.h"
#include "kernel/object/linkstack.h"
#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"
#include "kernel/arch/arch.h"
#include "lib/string.h"

struct slot cdt_boot_root;

/*
 * Containers waiting to be emptied; the kernel is not reentrant, so one stack
 * suffices. It may stay non-empty across a preemption: no slot of those
 * containers can be looked up (their last caps are gone), the objects they
 * still hold stay alive until their slot is emptied, and no memory of theirs
 * is reused: every invocation (Retype, Revoke...) finishes this work first
 * (delete_finish_pending).
 */
static struct container_state *destroy_stack;

/* Units of work done since the last preemption check. */
static unsigned work;

/* Counts work; once a budget's worth is done, true when an interrupt is waiting. */
static bool preempt_after(unsigned units)
{
    work += units;
    if (work < PREEMPT_BUDGET)
        return false;
    work = 0;
    return preempt_requested();
}

static struct container_state *cnode_container(const struct cap *cnode)
{
    /* Slot 0 of a CNode is reserved: its link words hold the container state. */
    return (struct container_state *)&cnode_slots(cnode)[CNODE_RESERVED_INDEX].parent;
}

static void push_container(struct container_state *c, struct slot *slots, uint32_t count, uint32_t first)
{
    if (c->slot_count)
        return; /* already being destroyed: a capability to itself, say */
    c->slots = slots;
    c->slot_count = count;
    c->resume = first;
    c->destroy_next = destroy_stack;
    destroy_stack = c;
}

static void finalise(struct cap *cap)
{
    switch (cap_type(cap)) {
    case BST_OBJ_CNODE:
        push_container(cnode_container(cap), cnode_slots(cap), 1u << cap_size_bits(cap),
                       CNODE_RESERVED_INDEX + 1);
        break;
    case BST_OBJ_TCB: {
        struct tcb *tcb = arch_phys_to_virt(cap->paddr);
        tcb_finalise(tcb);
        push_container(&tcb->container, tcb_cap_slots(tcb), TCB_CAP_SLOTS, 0);
        break;
    }
    case BST_OBJ_ENDPOINT: endpoint_finalise(cap); break;
    case BST_OBJ_NOTIFICATION: notification_finalise(cap); break;
    case BST_OBJ_IRQ_HANDLER: irq_handler_finalise(cap); break;
    case BST_OBJ_IOPORT: ioport_finalise(cap); break;
    case BST_OBJ_ASID_POOL: asid_pool_finalise(cap); break;
    case BST_OBJ_XENTRY_TABLE: /* the callees' caps its entries hold */
        push_container(&xentry_table_of(cap)->container, xentry_slots(cap), XENTRY_TABLE_SLOTS, 0);
        break;
    default: break;
    }
}

/* Relay bindings die with their caps (object/relay.c, xentry.c, linkstack.c). */
static void relay_cap_deleted(const struct cap *cap, struct slot *slot, bool final)
{
    switch (cap_type(cap)) {
    case BST_OBJ_RELAY_SEGMENT: relay_segment_cap_deleted(cap, slot, final); break;
    case BST_OBJ_XENTRY_TABLE: xentry_table_cap_deleted(cap, slot, final); break;
    case BST_OBJ_XENTRY: xentry_cap_deleted(cap, final); break;
    case BST_OBJ_LINK_STACK: link_stack_cap_deleted(cap, slot); break;
    default: break;
    }
}

/* Removes a cap without children from its slot, destroying the object if it was the last cap. */
static void delete_leaf(struct slot *slot)
{
    struct cap cap = slot->cap;
    bool final = cdt_is_final(slot);
    cdt_remove(slot); /* O(1): no children to move up */
    memset(&slot->cap, 0, sizeof(slot->cap));
    enum bst_object_type type = cap_type(&cap);
    if (type == BST_OBJ_FRAME_4K || type == BST_OBJ_FRAME_2M)
        frame_cap_deleted(&cap);
    if (type >= BST_OBJ_PAGE_TABLE && type <= BST_OBJ_PML4)
        page_table_cap_deleted(&cap, final);
    relay_cap_deleted(&cap, slot, final);
    if (final)
        finalise(&cap);
}

/*
 * Deletes every descendant of slot, leaves first: after deleting a leaf, carry
 * on from its parent, so the whole revoke is linear in the number of
 * descendants. False when preempted: the ones deleted are gone, the rest are
 * still in the tree, which is all a restart needs.
 */
static bool revoke_children(struct slot *slot)
{
    struct slot *at = slot;
    while (slot->first_child) {
        if (preempt_after(PREEMPT_DELETE_UNITS))
            return false;
        while (at->first_child)
            at = at->first_child;
        struct slot *parent = at->parent;
        delete_leaf(at);
        at = parent;
    }
    return true;
}

/*
 * Moves slot's children up into its place one at a time (cdt_remove would do
 * them all at once, and a cap may have any number of copies). False when
 * preempted; the tree is consistent after every step.
 */
static bool lift_children(struct slot *slot)
{
    while (slot->first_child) {
        if (preempt_after(PREEMPT_DELETE_UNITS))
            return false;
        cdt_lift_first_child(slot);
    }
    return true;
}

/* Deletes the cap in slot; an untyped's objects go first. False when preempted, slot unchanged or smaller. */
static bool delete_one(struct slot *slot)
{
    if (cap_is_null(&slot->cap))
        return true;
    bool untyped = cap_type(&slot->cap) == BST_OBJ_UNTYPED;
    if (!(untyped ? revoke_children(slot) : lift_children(slot)))
        return false;
    delete_leaf(slot);
    return true;
}

/* Empties every container on the stack, one slot at a time; false when preempted. */
static bool drain(void)
{
    while (destroy_stack) {
        struct container_state *c = destroy_stack;
        if (c->resume == c->slot_count) {
            destroy_stack = c->destroy_next;
            c->destroy_next = 0;
            c->slot_count = 0;
            continue;
        }
        struct slot *s = &c->slots[c->resume];
        if (cap_is_null(&s->cap)) {
            c->resume++; /* scanning an empty CNode is work too */
            if (preempt_after(PREEMPT_SCAN_UNITS))
                return false;
            continue;
        }
        if (preempt_after(PREEMPT_DELETE_UNITS) || !delete_one(s))
            return false; /* c->resume still names s: the next drain finishes it */
    }
    return true;
}

bool delete_finish_pending(void) { return drain(); }

enum bst_error slot_delete_preemptible(struct slot *slot)
{
    if (cap_type(&slot->cap) == BST_OBJ_UNTYPED && cdt_has_children(slot))
        return BST_E_REVOKE_FIRST;
    /* Earlier destruction first, then the copies move up: both restart where they stopped. */
    if (!drain() || !lift_children(slot))
        return E_PREEMPTED;
    delete_leaf(slot);
    /* The cap is gone, so a restart could not find it again: what this drain leaves
     * is unreachable, and the next Delete, Revoke or Retype finishes it first. */
    drain();
    return BST_OK;
}

enum bst_error slot_delete(struct slot *slot)
{
    if (cap_type(&slot->cap) == BST_OBJ_UNTYPED && cdt_has_children(slot))
        return BST_E_REVOKE_FIRST;
    while (slot->first_child)
        cdt_lift_first_child(slot); /* callers delete caps nobody copied (tcb.c): no loop */
    delete_leaf(slot);
    drain();
    return BST_OK;
}

bool slot_revoke(struct slot *slot)
{
    return drain() && revoke_children(slot) && drain();
}
