/*
 * Bastion ABI: kernel object types, their sizes, and capability rights.
 * Every kernel object is made by Untyped_Retype; its memory footprint is fixed
 * and documented here (docs/objects.md).
 */
#ifndef BASTION_ABI_OBJECT_H
#define BASTION_ABI_OBJECT_H

#include <bastion/types.h>

enum bst_object_type {
    BST_OBJ_NULL = 0,
    BST_OBJ_UNTYPED,
    BST_OBJ_CNODE,
    BST_OBJ_TCB,
    BST_OBJ_ENDPOINT,
    BST_OBJ_NOTIFICATION,
    BST_OBJ_FRAME_4K,
    BST_OBJ_FRAME_2M,
    BST_OBJ_PAGE_TABLE,     /* level 1: maps 4 KiB frames */
    BST_OBJ_PAGE_DIRECTORY, /* level 2: maps page tables and 2 MiB frames */
    BST_OBJ_PDPT,           /* level 3: maps page directories */
    BST_OBJ_PML4,           /* level 4: an address space root */
    BST_OBJ_IRQ_CONTROL,    /* not retypeable: one cap at boot */
    BST_OBJ_IRQ_HANDLER,    /* not retypeable: made by IRQControl_Get */
    BST_OBJ_IOPORT_CONTROL, /* not retypeable: one cap at boot */
    BST_OBJ_IOPORT,         /* not retypeable: made by IOPortControl_Issue */
    BST_OBJ_MACHINE_CONTROL, /* not retypeable: one cap at boot; debug calls and power-off */
    BST_OBJ_ASID_CONTROL,   /* not retypeable: one cap at boot */
    BST_OBJ_ASID_POOL,      /* not retypeable: made by ASIDControl_MakePool from a 4 KiB Untyped */
    /* Relay segments and cross-address-space calls (abi/bastion/relay.h, docs/relay.md) */
    BST_OBJ_RELAY_SEGMENT,  /* 2^size_bits bytes of contiguous memory with its own page tables */
    BST_OBJ_XENTRY_TABLE,   /* BST_XENTRY_COUNT numbered entries, each with a valid bit */
    BST_OBJ_XENTRY,         /* not retypeable: made by XEntryTable_Register; names one entry */
    BST_OBJ_LINK_STACK,     /* 2^size_bits linkage records of a thread's XCalls */
    BST_OBJ_TYPE_COUNT,
};

/* Sizes as powers of two (bytes). */
#define BST_TCB_SIZE_BITS 11 /* 2 KiB: registers, FPU/SIMD state, caps */
#define BST_ENDPOINT_SIZE_BITS 5
#define BST_NOTIFICATION_SIZE_BITS 5
#define BST_SLOT_SIZE_BITS 6 /* one CNode slot: capability + derivation links */
#define BST_FRAME_4K_BITS 12
#define BST_FRAME_2M_BITS 21
#define BST_PAGE_TABLE_BITS 12
#define BST_UNTYPED_MIN_BITS 4
#define BST_UNTYPED_MAX_BITS 47
#define BST_CNODE_MIN_RADIX 1
#define BST_CNODE_MAX_RADIX 20
/* At most this many objects per Retype (as seL4's fan-out limit): making them is one step with
 * interrupts off, so its length must not grow with a number the caller chooses. */
#define BST_RETYPE_MAX_COUNT 256u

/*
 * ASIDs (docs/vspace.md): an address space needs one to be mapped into or
 * run. They come in BST_ASID_POOLS blocks of BST_ASID_POOL_ASIDS; a pool
 * object (one 4 KiB Untyped, whole) holds one block, and pool n covers
 * ASIDs [n * 512, n * 512 + 511]. ASID 0 is never handed out.
 */
#define BST_ASID_POOL_SIZE_BITS 12
#define BST_ASID_POOL_ASIDS 512u
#define BST_ASID_POOLS 8u
/* ASIDControl_MakePool's message words. */
enum bst_asid_make_pool_arg {
    BST_ASID_MAKE_POOL_UNTYPED, BST_ASID_MAKE_POOL_ROOT, BST_ASID_MAKE_POOL_INDEX, BST_ASID_MAKE_POOL_DEPTH,
    BST_ASID_MAKE_POOL_ARGS
};

/* Capability rights; they only ever shrink along derivation. */
#define BST_RIGHT_READ (1u << 0)
#define BST_RIGHT_WRITE (1u << 1)
#define BST_RIGHT_GRANT (1u << 2)
#define BST_RIGHT_GRANT_REPLY (1u << 3)
#define BST_RIGHT_EXECUTE (1u << 4) /* frames only */
#define BST_RIGHTS_ALL 0x1fu

/* Cache attributes for Frame_Map. */
enum bst_cache_attr { BST_CACHE_WRITE_BACK = 0, BST_CACHE_UNCACHED, BST_CACHE_WRITE_THROUGH };

#endif
