/*
 * Untyped memory and Retype: the only way kernel objects come into being.
 * An Untyped cap covers 2^size_bits bytes at paddr; its word 2 is the free
 * offset (watermark). Objects are carved above the watermark, aligned to
 * their size, zeroed, and their caps become children of the Untyped. When
 * every child is gone the watermark drops back to 0. Untyped caps cannot be
 * copied (only moved), so the watermark has one owner.
 *
 * Zeroing is preemptible (core/preempt.h): word 3 records how far memory
 * above the watermark is known to be zero ([w2, w3) is zero), so a Retype
 * stopped by an interrupt restarts and carries on from there. Objects (and
 * their caps) appear only once all of their memory is zero. A new Untyped
 * starts with word 3 at 0 (nothing known): simple, at the price of zeroing
 * its memory again when objects are carved from it.
 */
#include "kernel/core/invoke.h"
#include "kernel/core/cdt.h"
#include "kernel/core/cspace.h"
#include "kernel/core/preempt.h"
#include "kernel/object/objects.h"
#include "kernel/object/relay.h"
#include "kernel/arch/arch.h"
#include "lib/string.h"

enum retype_arg { ARG_TYPE, ARG_SIZE_BITS, ARG_ROOT, ARG_INDEX, ARG_DEPTH, ARG_OFFSET, ARG_COUNT, RETYPE_ARGS };

static bool retypeable(uint64_t type)
{
    return (type > BST_OBJ_NULL && type < BST_OBJ_IRQ_CONTROL) || type == BST_OBJ_RELAY_SEGMENT ||
           type == BST_OBJ_XENTRY_TABLE || type == BST_OBJ_LINK_STACK;
}
static bool is_frame(uint64_t type) { return type == BST_OBJ_FRAME_4K || type == BST_OBJ_FRAME_2M; }

/* log2 of one object's size in bytes, or 0 when size_bits is out of range for the type. */
static unsigned object_size_bits(uint64_t type, uint64_t size_bits, uint64_t *min, uint64_t *max)
{
    *min = *max = 0;
    switch (type) {
    case BST_OBJ_UNTYPED:
        *min = BST_UNTYPED_MIN_BITS;
        *max = BST_UNTYPED_MAX_BITS;
        return size_bits >= *min && size_bits <= *max ? (unsigned)size_bits : 0;
    case BST_OBJ_CNODE:
        *min = BST_CNODE_MIN_RADIX;
        *max = BST_CNODE_MAX_RADIX;
        return size_bits >= *min && size_bits <= *max ? (unsigned)size_bits + BST_SLOT_SIZE_BITS : 0;
    case BST_OBJ_TCB: return BST_TCB_SIZE_BITS;
    case BST_OBJ_ENDPOINT: return BST_ENDPOINT_SIZE_BITS;
    case BST_OBJ_NOTIFICATION: return BST_NOTIFICATION_SIZE_BITS;
    case BST_OBJ_FRAME_4K: return BST_FRAME_4K_BITS;
    case BST_OBJ_FRAME_2M: return BST_FRAME_2M_BITS;
    case BST_OBJ_RELAY_SEGMENT: /* aligned to its data's size; it takes BST_RELAY_CONTROL_BYTES more */
        *min = BST_RELAY_MIN_BITS;
        *max = BST_RELAY_MAX_BITS;
        return size_bits >= *min && size_bits <= *max ? (unsigned)size_bits : 0;
    case BST_OBJ_XENTRY_TABLE: return BST_XENTRY_TABLE_BITS;
    case BST_OBJ_LINK_STACK: /* record 0 is the header: at least one record more */
        *min = 1;
        *max = BST_LINK_STACK_MAX_DEPTH_BITS;
        return size_bits >= *min && size_bits <= *max ? (unsigned)size_bits + BST_LINK_RECORD_BITS : 0;
    default: return BST_PAGE_TABLE_BITS; /* every paging structure is one page */
    }
}

static struct cap object_cap(uint64_t type, uint64_t size_bits, uint64_t paddr, bool device)
{
    bool sized = type == BST_OBJ_UNTYPED || type == BST_OBJ_CNODE || type == BST_OBJ_RELAY_SEGMENT ||
                 type == BST_OBJ_LINK_STACK;
    unsigned cap_size = sized ? (unsigned)size_bits : 0;
    struct cap c = cap_make((enum bst_object_type)type, BST_RIGHTS_ALL, cap_size, paddr);
    cap_set_flags(&c, CAP_FLAG_ORIGINAL | (device ? CAP_FLAG_DEVICE : 0));
    return c;
}

/* A new PML4 has no ASID: it gets one from an ASID pool cap (ASIDPool_Assign, object/asidpool.c). */
static void init_object(uint64_t type, uint64_t size_bits, uint64_t paddr)
{
    if (type == BST_OBJ_RELAY_SEGMENT)
        relay_segment_init(paddr, (unsigned)size_bits); /* links its own page tables */
    if (type == BST_OBJ_TCB)
        tcb_object_init(arch_phys_to_virt(paddr));
    if (type == BST_OBJ_PML4)
        arch_vspace_init_root(paddr); /* it shares the kernel's half */
}

/* Checks the destination: a CNode with count empty slots from offset (slot 0 is reserved). */
static struct slot *destination(struct invocation *inv, uint64_t count, enum bst_error *e)
{
    struct slot *root = inv_lookup_typed(inv, inv->mr[ARG_ROOT], BST_OBJ_CNODE, ARG_ROOT, e);
    if (!root)
        return 0;
    const struct cap *node = &root->cap;
    if (inv->mr[ARG_DEPTH] != 0) {
        struct slot *s = inv_lookup_slot_in(inv, node, inv->mr[ARG_INDEX], inv->mr[ARG_DEPTH], ARG_INDEX, e);
        if (!s)
            return 0;
        if (cap_type(&s->cap) != BST_OBJ_CNODE) {
            *e = inv_fail(inv, BST_E_WRONG_TYPE, ARG_INDEX, BST_OBJ_CNODE, BST_OBJ_CNODE,
                          "destination is not a CNode");
            return 0;
        }
        if (!inv_check_cap_rights(inv, &s->cap, ARG_INDEX, e)) /* found by slot, not by cptr */
            return 0;
        node = &s->cap;
    }
    uint64_t slots = 1ull << cap_size_bits(node), offset = inv->mr[ARG_OFFSET];
    if (offset < 1 || offset >= slots || count > slots - offset) {
        *e = inv_fail(inv, BST_E_RANGE, ARG_OFFSET, 1, count < slots ? slots - count : 0,
                      "destination slots outside the CNode (slot 0 is reserved)");
        return 0;
    }
    struct slot *first = &cnode_slots(node)[offset];
    for (uint64_t i = 0; i < count; i++) {
        if (!cap_is_null(&first[i].cap)) {
            *e = inv_fail(inv, BST_E_DELETE_FIRST, ARG_OFFSET, offset + i, offset + i,
                          "a destination slot is not empty");
            return 0;
        }
    }
    return first;
}

static enum bst_error check_type_and_size(struct invocation *inv, bool device, unsigned *obj_bits)
{
    uint64_t type = inv->mr[ARG_TYPE], min, max;
    if (!retypeable(type))
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_TYPE, BST_OBJ_UNTYPED, BST_OBJ_TYPE_COUNT - 1,
                        "not a retypeable object type");
    if (device && !is_frame(type) && type != BST_OBJ_UNTYPED)
        return inv_fail(inv, BST_E_INVALID_ARG, ARG_TYPE, BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M,
                        "device memory can only become frames or smaller device untyped");
    *obj_bits = object_size_bits(type, inv->mr[ARG_SIZE_BITS], &min, &max);
    if (*obj_bits == 0)
        return inv_fail(inv, BST_E_RANGE, ARG_SIZE_BITS, min, max, "size bits out of range");
    return BST_OK;
}

/*
 * Makes [watermark, end) zero, continuing from what an earlier, preempted
 * Retype did; false when stopped by a waiting interrupt. The stored
 * watermark is stale once every child is gone (memory below it is dirty):
 * then nothing is known to be zero.
 */
static bool zero_up_to(struct cap *ut, uint64_t watermark, uint64_t end)
{
    if (ut->w2 != watermark)
        ut->w2 = ut->w3 = watermark;
    while (ut->w3 < end) {
        uint64_t n = end - ut->w3 < PREEMPT_ZERO_BYTES ? end - ut->w3 : PREEMPT_ZERO_BYTES;
        memset(arch_phys_to_virt(ut->paddr + ut->w3), 0, n); /* never hand out stale data */
        ut->w3 += n;
        if (ut->w3 < end && preempt_requested())
            return false;
    }
    return true;
}

static enum bst_error untyped_retype(struct invocation *inv)
{
    enum bst_error e;
    if (!inv_has_args(inv, RETYPE_ARGS, &e))
        return e;
    struct cap *ut = &inv->slot->cap;
    bool device = cap_flags(ut) & CAP_FLAG_DEVICE;
    unsigned obj_bits;
    if ((e = check_type_and_size(inv, device, &obj_bits)) != BST_OK)
        return e;
    uint64_t count = inv->mr[ARG_COUNT], ut_size = 1ull << cap_size_bits(ut);
    uint64_t fits = obj_bits > cap_size_bits(ut) ? 0 : ut_size >> obj_bits;
    uint64_t max_count = fits < BST_RETYPE_MAX_COUNT ? fits : BST_RETYPE_MAX_COUNT;
    if (inv->mr[ARG_TYPE] == BST_OBJ_RELAY_SEGMENT)
        max_count = max_count < 1 ? max_count : 1; /* its control block follows it: one per call keeps the arithmetic plain */
    if (count < 1 || count > max_count)
        return inv_fail(inv, BST_E_RANGE, ARG_COUNT, 1, max_count,
                        "object count out of range for this untyped (at most BST_RETYPE_MAX_COUNT per call)");
    struct slot *dest = destination(inv, count, &e);
    if (!dest)
        return e;
    /* With no live children the whole untyped is free again. */
    uint64_t watermark = cdt_has_children(inv->slot) ? ut->w2 : 0;
    uint64_t obj_size = 1ull << obj_bits;
    uint64_t type = inv->mr[ARG_TYPE];
    uint64_t footprint = type == BST_OBJ_RELAY_SEGMENT ? relay_segment_footprint(obj_bits) : obj_size;
    uint64_t start = (watermark + obj_size - 1) & ~(obj_size - 1);
    if (start > ut_size || (count - 1) * obj_size + footprint > ut_size - start)
        return inv_fail(inv, BST_E_NO_MEMORY, ARG_COUNT, 0, start >= ut_size ? 0 : (ut_size - start) >> obj_bits,
                        "not enough free memory left in the untyped");
    uint64_t end = start + (count - 1) * obj_size + footprint;
    if (!device && !zero_up_to(ut, watermark, end))
        return E_PREEMPTED; /* every check above passes again on the restart, or it fails cleanly */
    for (uint64_t i = 0; i < count; i++) {
        uint64_t paddr = ut->paddr + start + (i << obj_bits);
        init_object(type, inv->mr[ARG_SIZE_BITS], paddr);
        dest[i].cap = object_cap(type, inv->mr[ARG_SIZE_BITS], paddr, device);
        cdt_insert_child(inv->slot, &dest[i]);
    }
    if (ut->w2 != watermark) /* device memory, with a stale watermark: nothing known zero */
        ut->w3 = 0;
    ut->w2 = end;
    if (ut->w3 < end)
        ut->w3 = end; /* nothing above the new watermark is known to be zero */
    return BST_OK;
}

enum bst_error untyped_invoke(struct invocation *inv)
{
    if (inv->label == BST_UNTYPED_RETYPE)
        return untyped_retype(inv);
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, BST_UNTYPED_RETYPE, BST_UNTYPED_RETYPE,
                    "unknown untyped invocation");
}
