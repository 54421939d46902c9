#include "kernel/core/delete.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/object/objects.h"
#include "kernel/arch/arch.h"
#include "lib/string.h"

struct slot cdt_boot_root;

/* Containers waiting to be emptied; the kernel is not reentrant, so one stack suffices. */
static struct container_state *destroy_stack;

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
    default: break;
    }
}

static void delete_one(struct slot *slot);

/* An untyped cap with children, met while destroying a container: its objects go too. */
static void revoke_children(struct slot *slot)
{
    /* Post-order walk: after deleting a leaf, carry on from its parent, so the
     * whole revoke is linear in the number of descendants. */
    struct slot *at = slot;
    while (slot->first_child) {
        while (at->first_child)
            at = at->first_child;
        struct slot *parent = at->parent;
        delete_one(at);
        at = parent;
    }
}

static void delete_one(struct slot *slot)
{
    if (cap_is_null(&slot->cap))
        return;
    if (cap_type(&slot->cap) == BST_OBJ_UNTYPED && cdt_has_children(slot))
        revoke_children(slot);
    struct cap cap = slot->cap;
    bool final = cdt_is_final(slot);
    cdt_remove(slot);
    memset(&slot->cap, 0, sizeof(slot->cap));
    enum bst_object_type type = cap_type(&cap);
    if (type == BST_OBJ_FRAME_4K || type == BST_OBJ_FRAME_2M)
        frame_cap_deleted(&cap);
    if (type >= BST_OBJ_PAGE_TABLE && type <= BST_OBJ_PML4)
        page_table_cap_deleted(&cap, final);
    if (final)
        finalise(&cap);
}

/* Empties every container on the stack, one slot at a time. */
static void drain(void)
{
    while (destroy_stack) {
        struct container_state *c = destroy_stack;
        while (c->resume < c->slot_count && cap_is_null(&c->slots[c->resume].cap))
            c->resume++;
        if (c->resume == c->slot_count) {
            destroy_stack = c->destroy_next;
            c->destroy_next = 0;
            c->slot_count = 0;
            continue;
        }
        delete_one(&c->slots[c->resume++]);
    }
}

enum bst_error slot_delete(struct slot *slot)
{
    if (cap_type(&slot->cap) == BST_OBJ_UNTYPED && cdt_has_children(slot))
        return BST_E_REVOKE_FIRST;
    delete_one(slot);
    drain();
    return BST_OK;
}

void slot_revoke(struct slot *slot)
{
    revoke_children(slot);
    drain();
}
