/*
 * Bastion ABI: invocations. An operation on a kernel object is a Call on the
 * object's capability with a label:
 *   rax = BST_SYS_CALL, rdi = capability address, rsi = message info,
 *   rdx, r10, r8, r9 = message words 0..3, words 4.. in exchange->msg[4..].
 * The reply: rax = error, rsi = message info, rdx, r10, r8, r9 = result words
 * 0..3, further words in exchange->msg[4..]. Capability addresses resolve
 * through the caller's CSpace with 64 bits of depth.
 */
#ifndef BASTION_ABI_INVOCATION_H
#define BASTION_ABI_INVOCATION_H

#include <bastion/types.h>

/* Message info word: label | capability count | length. No bitfields. */
#define BST_MSGINFO_LENGTH_BITS 7
#define BST_MSGINFO_CAPS_SHIFT 7
#define BST_MSGINFO_CAPS_BITS 2
#define BST_MSGINFO_LABEL_SHIFT 12
#define BST_MSG_REGISTER_WORDS 4

static inline bst_word_t bst_msginfo(bst_word_t label, unsigned caps, unsigned length)
{
    return (label << BST_MSGINFO_LABEL_SHIFT) |
           ((bst_word_t)(caps & 3u) << BST_MSGINFO_CAPS_SHIFT) | (length & 0x7fu);
}
static inline unsigned bst_msginfo_length(bst_word_t info) { return (unsigned)(info & 0x7fu); }
static inline unsigned bst_msginfo_caps(bst_word_t info) { return (unsigned)((info >> BST_MSGINFO_CAPS_SHIFT) & 3u); }
static inline bst_word_t bst_msginfo_label(bst_word_t info) { return info >> BST_MSGINFO_LABEL_SHIFT; }

enum bst_invocation_label {
    BST_INV_NONE = 0,
    /* Untyped */
    BST_UNTYPED_RETYPE,       /* type, size_bits, root, index, depth, offset, count */
    /* CNode: the invoked CNode is the destination root */
    BST_CNODE_COPY,           /* dest_index, dest_depth, src_root, src_index, src_depth, rights */
    BST_CNODE_MINT,           /* ... rights, badge_or_guard */
    BST_CNODE_MOVE,           /* dest_index, dest_depth, src_root, src_index, src_depth */
    BST_CNODE_MUTATE,         /* ... badge_or_guard */
    BST_CNODE_DELETE,         /* index, depth */
    BST_CNODE_REVOKE,         /* index, depth */
    /* TCB */
    BST_TCB_CONFIGURE,        /* cspace_root, vspace_root, exchange_frame, exchange_addr, fault_ep, -- */
    BST_TCB_SET_PRIORITY,     /* authority_tcb, priority */
    BST_TCB_SET_MCP,          /* authority_tcb, max controlled priority */
    BST_TCB_READ_REGISTERS,   /* count -> words in msg */
    BST_TCB_WRITE_REGISTERS,  /* resume, count, words... */
    BST_TCB_RESUME,
    BST_TCB_SUSPEND,
    /* Paging structures (PDPT, page directory, page table) */
    BST_PAGE_TABLE_MAP,       /* vspace_root, vaddr */
    BST_PAGE_TABLE_UNMAP,
    /* Frames */
    BST_FRAME_MAP,            /* vspace_root, vaddr, rights, cache_attr */
    BST_FRAME_UNMAP,
    BST_FRAME_GET_ADDRESS,    /* -> physical address */
    /* Interrupts */
    BST_IRQ_CONTROL_GET,      /* irq, root, index, depth */
    BST_IRQ_HANDLER_SET_NOTIFICATION, /* notification cap */
    BST_IRQ_HANDLER_ACK,
    BST_IRQ_HANDLER_CLEAR,
    /* I/O ports */
    BST_IOPORT_CONTROL_ISSUE, /* first_port, last_port, root, index, depth */
    /* Added with IPC (appended: earlier labels keep their numbers) */
    BST_TCB_BIND_NOTIFICATION,   /* notification cptr: its signals also wake this thread's Recv */
    BST_TCB_UNBIND_NOTIFICATION,
    BST_IOPORT_BIND,             /* vspace_root cptr: threads of that address space may use the ports */
    BST_MACHINE_SHUTDOWN,        /* status: powers the machine off (MachineControl, Write right) */
    BST_IOPORT_UNBIND,           /* vspace_root cptr: that address space may no longer use the ports */
    /* ASIDs (docs/vspace.md) */
    BST_ASID_CONTROL_MAKE_POOL,  /* untyped (4 KiB, no children), root, index, depth -> first ASID of the pool */
    BST_ASID_POOL_ASSIGN,        /* vspace_root cptr (a PML4 without an ASID) -> its ASID */
    /* Relay segments and XCall entries (abi/bastion/relay.h) */
    BST_TCB_SET_RELAY,           /* xentry_table, link_stack: the table its call bits index, its link stack */
    BST_RELAY_ATTACH,            /* tcb: the thread becomes the segment's owner (its current segment) */
    BST_RELAY_DETACH,            /* the owner gives the segment up (not while it is passed along a call) */
    BST_XENTRY_TABLE_REGISTER,   /* index, cspace_root, vspace_root, entry_point, stack_base, stack_size,
                                    max_nesting, root, dest_index, depth -> makes the XEntry cap */
    BST_XENTRY_UNREGISTER,       /* the entry's valid bit is cleared: later XCalls to it fail */
    BST_XENTRY_GRANT_SERVICE,    /* target (TCB or XEntry of the same table): sets its call bit */
    BST_XENTRY_REVOKE_SERVICE,   /* target: clears its call bit */
    BST_INV_LABEL_COUNT,
};

#endif
