/*
 * Bastion ABI: relay segments and cross-address-space calls (docs/relay.md).
 *
 * A RelaySegment is 2^size_bits bytes of physically contiguous memory with
 * its own page tables. Exactly one thread owns it (RelaySegment_Attach) and
 * it is visible only in the relay window of the address space that thread
 * runs in, at BST_RELAY_WINDOW_BASE. XCall moves the calling thread into a
 * registered entry's address space (the thread migrates: no second thread,
 * no scheduler pass) and hands the segment, or the aligned sub-range a mask
 * names, along; XRet comes back and hands it back. A view always shows a
 * byte at the same address: segment offset o is at BST_RELAY_WINDOW_BASE + o
 * in every address space it visits.
 *
 * XCall: rax = BST_SYS_XCALL, rdi = entry number, rsi = mask, rdx, r10, r8,
 * r9 = argument words 0-3. The callee starts at the entry point with
 *   rdi, rsi, rdx, r10 = argument words 0-3,
 *   r8 = address of the view it was handed (0: none), r9 = its size in bytes,
 *   rsp = the top of its stack for this call, every other register 0.
 * XRet: rax = BST_SYS_XRET, rdi, rsi, rdx, r10 = result words 0-3. The caller
 * resumes after its XCall with rax = BST_OK, rdx, r10, r8, r9 = the result
 * words, rdi = rsi = 0 (nothing of the callee's but its results comes back),
 * and rbx, rbp, rsp, r12-r15 as they were; rcx and r11 are clobbered (as by
 * any system call). A failing XCall returns the error in rax (detail
 * in the exchange frame) and changes nothing. If the callee faults, or its
 * address space or entry is destroyed while the call is in flight, the call
 * unwinds to the caller with BST_E_CALLEE_FAULT or BST_E_PARTNER_GONE.
 */
#ifndef BASTION_ABI_RELAY_H
#define BASTION_ABI_RELAY_H

#include <bastion/types.h>

/* The relay window: the last PML4 slot of the user half; only the kernel fills it. */
#define BST_RELAY_WINDOW_BASE 0x00007f8000000000ull
#define BST_RELAY_WINDOW_SIZE (1ull << 39)
/* Frame_Map and PageTable_Map take addresses below this (the user range ends at the window). */
#define BST_USER_MAP_END BST_RELAY_WINDOW_BASE

/*
 * Segment sizes. A segment of up to 2 MiB is mapped with 4 KiB pages, a larger
 * one with 2 MiB pages: that page is the granule of its masks. Retype makes
 * one segment per call (count 1); it takes 2^size_bits bytes aligned to their
 * size, then BST_RELAY_CONTROL_BYTES for the kernel's header and the
 * segment's page tables.
 */
#define BST_RELAY_MIN_BITS 12
#define BST_RELAY_MAX_BITS 30
#define BST_RELAY_SMALL_PAGE_MAX_BITS 21
#define BST_RELAY_CONTROL_BYTES (4u * 4096u)

/*
 * A mask names the view an XCall hands on: 0 hands nothing; otherwise an
 * aligned power-of-two sub-range of the segment (offset | size_bits, offset
 * a multiple of 2^size_bits), inside the caller's own view and at least the
 * segment's granule. BST_RELAY_MASK_ALL is the caller's whole view.
 */
#define BST_RELAY_MASK_NONE 0ull
#define BST_RELAY_MASK_ALL 0x3full
#define BST_RELAY_MASK_BITS_MASK 0x3full
static inline bst_word_t bst_relay_mask(bst_word_t offset, unsigned size_bits)
{
    return offset | (size_bits & BST_RELAY_MASK_BITS_MASK);
}
static inline unsigned bst_relay_mask_bits(bst_word_t mask) { return (unsigned)(mask & BST_RELAY_MASK_BITS_MASK); }
static inline bst_word_t bst_relay_mask_offset(bst_word_t mask) { return mask & ~BST_RELAY_MASK_BITS_MASK; }

/* Entry tables: a fixed number of entries, one call bit each in a 64-bit bitmap. */
#define BST_XENTRY_COUNT 64u
#define BST_XENTRY_TABLE_BITS 14 /* 16 KiB: the entries, their caps, a header */
#define BST_XENTRY_MAX_NESTING 64u /* calls in flight per entry, each on its own stack */

/* Link stacks: 2^size_bits records of BST_LINK_RECORD_BITS bytes (the depth is fixed at Retype). */
#define BST_LINK_RECORD_BITS 7
#define BST_LINK_STACK_MAX_DEPTH_BITS 8

enum bst_tcb_set_relay_arg { BST_TCB_SET_RELAY_TABLE, BST_TCB_SET_RELAY_LINK_STACK, BST_TCB_SET_RELAY_ARGS };
enum bst_xentry_register_arg {
    BST_XENTRY_REG_INDEX,
    BST_XENTRY_REG_CSPACE,
    BST_XENTRY_REG_VSPACE,
    BST_XENTRY_REG_ENTRY_POINT,
    BST_XENTRY_REG_STACK_BASE,  /* the lowest address of the stacks: call slot i uses */
    BST_XENTRY_REG_STACK_SIZE,  /* [base + i * size, base + (i + 1) * size), size a multiple of 16 */
    BST_XENTRY_REG_MAX_NESTING, /* 1..BST_XENTRY_MAX_NESTING calls in flight at once */
    BST_XENTRY_REG_ROOT,        /* where the XEntry cap goes: root, index, depth */
    BST_XENTRY_REG_DEST_INDEX,
    BST_XENTRY_REG_DEST_DEPTH,
    BST_XENTRY_REG_ARGS
};

#endif
