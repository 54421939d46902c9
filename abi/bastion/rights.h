/*
 * Bastion ABI: the rights every invocation needs. One table, indexed by
 * label, is the whole rule: the kernel checks it before an object's handler
 * runs (kernel/core/invoke.c), user code can ask it what a cap must carry,
 * and docs/invocations.md is generated from it (tools/gen-invocations-doc).
 *
 * The rule (docs/capabilities.md, "Rights"):
 *   - an invocation that changes the invoked object, what it holds or what
 *     it maps, needs WRITE on the invoked cap; one that only reports on the
 *     object needs READ; withdrawing one's own mapping (Frame_Unmap) needs
 *     nothing;
 *   - a capability argument needs WRITE when the invocation changes its
 *     object (an address space mapped into or given port access, a CNode a
 *     slot is filled in or emptied from, a notification an interrupt will
 *     signal) or when it is wielded as authority (SetPriority's authority,
 *     Configure's CSpace and address space, which the thread then acts in),
 *     and READ when the object is only read from (CNode_Copy's source CNode,
 *     the notification a bound thread receives from);
 *   - GRANT and GRANT_REPLY are for IPC (docs/ipc.md); the only invocations
 *     that need GRANT hand out a right themselves (XEntry_GrantService and
 *     XEntry_RevokeService, docs/relay.md). EXECUTE only limits what
 *     Frame_Map may ask for.
 *
 * A slot address (root, index, depth) in word k: the root cap needs the
 * right listed for word k, and so does the CNode cap through which the
 * kernel reached the slot when that is not the root (a read-only CNode cap
 * stored in a writable CNode gives no write access by being walked through).
 * For slots addressed from the invoked CNode (the CNode invocations), that
 * is the invoked cap's right.
 *
 * A failed check returns BST_E_RIGHTS with detail.argument = BST_ARG_NONE for
 * the invoked cap or the word index of the argument, and detail.min =
 * detail.max = the rights needed.
 */
#ifndef BASTION_ABI_RIGHTS_H
#define BASTION_ABI_RIGHTS_H

#include <bastion/invocation.h>
#include <bastion/object.h>

#define BST_RIGHTS_MAX_CAP_ARGS 4

/* A capability argument: the message word that names it and the rights it needs. */
struct bst_cap_arg_rights {
    uint8_t word;   /* index into the message words */
    uint8_t rights; /* BST_RIGHT_* bits; 0 ends the list */
    const char *what; /* for the generated reference */
};

struct bst_invocation_rights {
    const char *name;      /* as the docs call it, e.g. "CNode_Copy" */
    const char *arguments; /* the message words, as abi/bastion/invocation.h lists them */
    uint32_t objects;      /* the object types the label applies to: bit (1u << type) */
    uint8_t invoked;       /* rights the invoked cap needs (BST_RIGHT_* bits) */
    struct bst_cap_arg_rights caps[BST_RIGHTS_MAX_CAP_ARGS];
};

#define BST_OBJ_BIT(t) (1u << (t))
#define BST_OBJS_FRAME (BST_OBJ_BIT(BST_OBJ_FRAME_4K) | BST_OBJ_BIT(BST_OBJ_FRAME_2M))
#define BST_OBJS_PAGING_BELOW_ROOT \
    (BST_OBJ_BIT(BST_OBJ_PAGE_TABLE) | BST_OBJ_BIT(BST_OBJ_PAGE_DIRECTORY) | BST_OBJ_BIT(BST_OBJ_PDPT))
_Static_assert(BST_OBJ_TYPE_COUNT <= 32, "object types fit the objects mask");

#define BST_R BST_RIGHT_READ
#define BST_W BST_RIGHT_WRITE
#define BST_RW (BST_RIGHT_READ | BST_RIGHT_WRITE)

/* The entry for label, or NULL for BST_INV_NONE and labels past the table. */
static inline const struct bst_invocation_rights *bst_invocation_rights(uint64_t label)
{
    static const struct bst_invocation_rights table[BST_INV_LABEL_COUNT] = {
        [BST_UNTYPED_RETYPE] = {"Untyped_Retype", "type, size_bits, root, index, depth, offset, count",
                                BST_OBJ_BIT(BST_OBJ_UNTYPED), BST_W,
                                {{2, BST_W, "root: the destination CSpace"},
                                 {3, BST_W, "the CNode cap at (index, depth) when depth > 0: the destination"}}},
        [BST_CNODE_COPY] = {"CNode_Copy", "dest_index, dest_depth, src_root, src_index, src_depth, rights",
                            BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{2, BST_R, "src_root: the source is read"}}},
        [BST_CNODE_MINT] = {"CNode_Mint",
                            "dest_index, dest_depth, src_root, src_index, src_depth, rights, badge_or_guard, guard_bits",
                            BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{2, BST_R, "src_root: the source is read"}}},
        [BST_CNODE_MOVE] = {"CNode_Move", "dest_index, dest_depth, src_root, src_index, src_depth",
                            BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{2, BST_W, "src_root: the source slot is emptied"}}},
        [BST_CNODE_MUTATE] = {"CNode_Mutate",
                              "dest_index, dest_depth, src_root, src_index, src_depth, badge_or_guard, guard_bits",
                              BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{2, BST_W, "src_root: the source slot is emptied"}}},
        [BST_CNODE_DELETE] = {"CNode_Delete", "index, depth", BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{0, 0, 0}}},
        [BST_CNODE_REVOKE] = {"CNode_Revoke", "index, depth", BST_OBJ_BIT(BST_OBJ_CNODE), BST_W, {{0, 0, 0}}},
        [BST_TCB_CONFIGURE] = {"TCB_Configure", "cspace_root, vspace_root, exchange_frame, exchange_addr, fault_ep",
                               BST_OBJ_BIT(BST_OBJ_TCB), BST_W,
                               {{0, BST_W, "cspace_root: caps are received into it"},
                                {1, BST_W, "vspace_root: the thread runs in it"},
                                {2, BST_RW, "exchange_frame: both sides read and write it"},
                                {4, BST_W, "fault_ep (if not 0): the kernel sends faults on it"}}},
        [BST_TCB_SET_PRIORITY] = {"TCB_SetPriority", "authority, priority", BST_OBJ_BIT(BST_OBJ_TCB), BST_W,
                                  {{0, BST_W, "authority: its priority limit is wielded"}}},
        [BST_TCB_SET_MCP] = {"TCB_SetMCP", "authority, mcp", BST_OBJ_BIT(BST_OBJ_TCB), BST_W,
                             {{0, BST_W, "authority: its priority limit is wielded"}}},
        [BST_TCB_READ_REGISTERS] = {"TCB_ReadRegisters", "count", BST_OBJ_BIT(BST_OBJ_TCB), BST_R, {{0, 0, 0}}},
        [BST_TCB_WRITE_REGISTERS] = {"TCB_WriteRegisters", "resume, count, registers...", BST_OBJ_BIT(BST_OBJ_TCB),
                                     BST_W, {{0, 0, 0}}},
        [BST_TCB_RESUME] = {"TCB_Resume", "", BST_OBJ_BIT(BST_OBJ_TCB), BST_W, {{0, 0, 0}}},
        [BST_TCB_SUSPEND] = {"TCB_Suspend", "", BST_OBJ_BIT(BST_OBJ_TCB), BST_W, {{0, 0, 0}}},
        [BST_PAGE_TABLE_MAP] = {"PageTable_Map", "vspace_root, vaddr", BST_OBJS_PAGING_BELOW_ROOT, BST_W,
                                {{0, BST_W, "vspace_root: mapped into"}}},
        [BST_PAGE_TABLE_UNMAP] = {"PageTable_Unmap", "", BST_OBJS_PAGING_BELOW_ROOT, BST_W, {{0, 0, 0}}},
        [BST_FRAME_MAP] = {"Frame_Map", "vspace_root, vaddr, rights, cache_attr", BST_OBJS_FRAME, BST_R,
                           {{0, BST_W, "vspace_root: mapped into"}}},
        [BST_FRAME_UNMAP] = {"Frame_Unmap", "", BST_OBJS_FRAME, 0, {{0, 0, 0}}},
        [BST_FRAME_GET_ADDRESS] = {"Frame_GetAddress", "", BST_OBJS_FRAME, BST_R, {{0, 0, 0}}},
        [BST_IRQ_CONTROL_GET] = {"IRQControl_Get", "irq, root, index, depth", BST_OBJ_BIT(BST_OBJ_IRQ_CONTROL),
                                 BST_W, {{1, BST_W, "root: the handler cap is put there"}}},
        [BST_IRQ_HANDLER_SET_NOTIFICATION] = {"IRQHandler_SetNotification", "notification",
                                              BST_OBJ_BIT(BST_OBJ_IRQ_HANDLER), BST_W,
                                              {{0, BST_W, "notification: interrupts signal it"}}},
        [BST_IRQ_HANDLER_ACK] = {"IRQHandler_Ack", "", BST_OBJ_BIT(BST_OBJ_IRQ_HANDLER), BST_W, {{0, 0, 0}}},
        [BST_IRQ_HANDLER_CLEAR] = {"IRQHandler_Clear", "", BST_OBJ_BIT(BST_OBJ_IRQ_HANDLER), BST_W, {{0, 0, 0}}},
        [BST_IOPORT_CONTROL_ISSUE] = {"IOPortControl_Issue", "first_port, last_port, root, index, depth",
                                      BST_OBJ_BIT(BST_OBJ_IOPORT_CONTROL), BST_W,
                                      {{2, BST_W, "root: the port cap is put there"}}},
        [BST_TCB_BIND_NOTIFICATION] = {"TCB_BindNotification", "notification", BST_OBJ_BIT(BST_OBJ_TCB), BST_W,
                                       {{0, BST_R, "notification: the thread receives its signals"}}},
        [BST_TCB_UNBIND_NOTIFICATION] = {"TCB_UnbindNotification", "", BST_OBJ_BIT(BST_OBJ_TCB), BST_W, {{0, 0, 0}}},
        [BST_IOPORT_BIND] = {"IOPort_Bind", "vspace_root", BST_OBJ_BIT(BST_OBJ_IOPORT), BST_W,
                             {{0, BST_W, "vspace_root: gets access to the ports"}}},
        [BST_MACHINE_SHUTDOWN] = {"MachineControl_Shutdown", "status", BST_OBJ_BIT(BST_OBJ_MACHINE_CONTROL),
                                  BST_W, {{0, 0, 0}}},
        [BST_IOPORT_UNBIND] = {"IOPort_Unbind", "vspace_root", BST_OBJ_BIT(BST_OBJ_IOPORT), BST_W,
                               {{0, BST_W, "vspace_root: loses access to the ports"}}},
        [BST_ASID_CONTROL_MAKE_POOL] = {"ASIDControl_MakePool", "untyped, root, index, depth",
                                        BST_OBJ_BIT(BST_OBJ_ASID_CONTROL), BST_W,
                                        {{0, BST_W, "untyped: becomes the pool"},
                                         {1, BST_W, "root: the pool cap is put there"}}},
        [BST_ASID_POOL_ASSIGN] = {"ASIDPool_Assign", "vspace_root", BST_OBJ_BIT(BST_OBJ_ASID_POOL), BST_W,
                                  {{0, BST_W, "vspace_root: gets an ASID"}}},
        [BST_TCB_SET_RELAY] = {"TCB_SetRelay", "xentry_table, link_stack", BST_OBJ_BIT(BST_OBJ_TCB), BST_W,
                               {{0, BST_R, "xentry_table: the thread's call bits index it"},
                                {1, BST_W, "link_stack: the kernel pushes the thread's calls on it"}}},
        [BST_RELAY_ATTACH] = {"RelaySegment_Attach", "tcb", BST_OBJ_BIT(BST_OBJ_RELAY_SEGMENT), BST_RW,
                              {{0, BST_W, "tcb: the thread becomes the owner"}}},
        [BST_RELAY_DETACH] = {"RelaySegment_Detach", "", BST_OBJ_BIT(BST_OBJ_RELAY_SEGMENT), BST_W, {{0, 0, 0}}},
        [BST_XENTRY_TABLE_REGISTER] = {"XEntryTable_Register",
                                       "index, cspace_root, vspace_root, entry_point, stack_base, stack_size, "
                                       "max_nesting, root, dest_index, depth",
                                       BST_OBJ_BIT(BST_OBJ_XENTRY_TABLE), BST_W,
                                       {{1, BST_W, "cspace_root: callees act in it"},
                                        {2, BST_W, "vspace_root: callees run in it"},
                                        {7, BST_W, "root: the XEntry cap is put there"}}},
        [BST_XENTRY_UNREGISTER] = {"XEntry_Unregister", "", BST_OBJ_BIT(BST_OBJ_XENTRY), BST_W, {{0, 0, 0}}},
        [BST_XENTRY_GRANT_SERVICE] = {"XEntry_GrantService", "target", BST_OBJ_BIT(BST_OBJ_XENTRY), BST_RIGHT_GRANT,
                                      {{0, BST_W, "target (TCB or XEntry): may call the entry from now on"}}},
        [BST_XENTRY_REVOKE_SERVICE] = {"XEntry_RevokeService", "target", BST_OBJ_BIT(BST_OBJ_XENTRY),
                                       BST_RIGHT_GRANT, {{0, BST_W, "target (TCB or XEntry): may no longer call it"}}},
    };
    return label > BST_INV_NONE && label < BST_INV_LABEL_COUNT && table[label].name ? &table[label] : 0;
}

/* The rights the capability in message word `word` needs for label, 0 if none are listed. */
static inline unsigned bst_cap_arg_rights(uint64_t label, uint64_t word)
{
    const struct bst_invocation_rights *r = bst_invocation_rights(label);
    for (unsigned i = 0; r && i < BST_RIGHTS_MAX_CAP_ARGS && r->caps[i].rights; i++)
        if (r->caps[i].word == word)
            return r->caps[i].rights;
    return 0;
}

#undef BST_R
#undef BST_W
#undef BST_RW

#endif
