/*
 * The generic attack suite of issue 9 (hostile tasks): forged cptrs and
 * depths on every path that takes one, wrong object types and rights, W+X
 * mapping requests, kernel and non-canonical addresses in every address
 * argument, physical memory no untyped may hand out (the kernel image, the
 * root task's own frames), device untyped that must never hold kernel
 * objects, exhaustion of untyped memory and CNode slots, and a capability
 * revoked while it is in flight in an IPC. Each attack must fail with the
 * documented error and detail (abi/bastion/error.h) and leave everything as
 * it was: the caps in every slot we look at (cap_info) and the kernel's
 * invariant checker. Per-hole cases live beside this file in their own suites.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include <bastion/ipc.h>
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "user/lib/device.h"

#define UT_BITS 22 /* 4 MiB scratch untyped per case: room for 2 MiB frames */
#define S(n) scratch_slot(n)
#define UT S(0)
#define VADDR 0x8000000000ull /* PML4 slot 1: nothing of the root task's there */

/* ---- "nothing changed": the caps in every slot we watch, and the kernel's invariants */

#define WATCHED 80
struct snapshot {
    struct cap_info c[WATCHED];
};

static bst_cptr_t watched_slot(unsigned i)
{
    return i < 16 ? i : scratch_slot(i - 16); /* boot caps, then the scratch slots */
}

static void take(struct snapshot *s)
{
    for (unsigned i = 0; i < WATCHED; i++)
        s->c[i] = cap_info(watched_slot(i));
}

/* The kernel's invariant checker finds nothing (a release kernel has none: it says so). */
static bool kernel_consistent(void)
{
    struct bst_result r = bst_syscall3(BST_SYS_DEBUG_CHECK_INVARIANTS, BST_CAP_MACHINE_CONTROL, 0, 0);
    return r.error == DEBUG_ONLY_RESULT && r.value0 == 0;
}

static bool unchanged(const struct snapshot *before)
{
    struct snapshot now;
    take(&now);
    for (unsigned i = 0; i < WATCHED; i++) {
        const struct cap_info *a = &before->c[i], *b = &now.c[i];
        if (a->error != b->error || a->type != b->type || a->rights != b->rights || a->flags != b->flags ||
            a->badge != b->badge)
            return false;
    }
    /* The release kernel answers the checker with an error, which writes its own detail:
     * keep the detail of the call under test for the checks that follow. */
    const struct bst_error_detail kept = bst_exchange->error;
    bool consistent = kernel_consistent();
    bst_exchange->error = kept;
    return consistent;
}

static const struct bst_error_detail *detail(void) { return &bst_exchange->error; }

/* The attack failed with code, named argument arg in the detail, and changed nothing. */
#define DENIED(call, want, arg)                                                              \
    do {                                                                                     \
        struct snapshot before_;                                                             \
        take(&before_);                                                                      \
        uint64_t got_ = (call);                                                              \
        if (got_ != (want) || detail()->code != (want) || detail()->argument != (arg))       \
            bst_printf("attack: line %d: got %s, detail %s argument %lld (wanted %s, %lld)\n", \
                       __LINE__, bst_error_name(got_), bst_error_name(detail()->code),          \
                       (long long)detail()->argument, bst_error_name(want), (long long)(arg));  \
        CHECK_FAILS(got_, want, arg);                                                        \
        CHECK(unchanged(&before_));                                                          \
    } while (0)

static uint64_t raw(uint64_t number, uint64_t cptr, uint64_t info)
{
    static const uint64_t zero[4];
    struct bst_msg m;
    return bst_ipc_syscall(number, cptr, info, zero, &m);
}

static uint64_t make(uint64_t type, uint64_t bits, unsigned slot)
{
    return bst_untyped_retype(UT, type, bits, ROOT, 0, 0, S(slot), 1);
}

/* cptrs that name nothing: empty slots, reserved slot 0, guard mismatches, garbage */
struct forged {
    uint64_t cptr, code;
};
static const struct forged *forged_cptrs(unsigned *n)
{
    static struct forged f[7];
    f[0] = (struct forged){0, BST_E_INVALID_CAP};                       /* slot 0: always empty */
    f[1] = (struct forged){scratch_slot(60), BST_E_INVALID_CAP};         /* an empty slot */
    f[2] = (struct forged){1ull << BST_ROOT_CNODE_RADIX, BST_E_LOOKUP_FAILED}; /* past the guard */
    f[3] = (struct forged){BST_CAP_ROOT_TCB | (1ull << 40), BST_E_LOOKUP_FAILED};
    f[4] = (struct forged){~0ull, BST_E_LOOKUP_FAILED};
    f[5] = (struct forged){0xffff800000000000ull | BST_CAP_ROOT_CNODE, BST_E_LOOKUP_FAILED};
    f[6] = (struct forged){0x0000800000000000ull | BST_CAP_ROOT_VSPACE, BST_E_LOOKUP_FAILED};
    *n = 7;
    return f;
}

/* Every system call that takes a cptr in rdi refuses a forged one, saying so in the detail. */
CASE_WITH_SCRATCH(forged_cptrs_every_call)
{
    static const uint64_t calls[] = {BST_SYS_CALL, BST_SYS_SEND, BST_SYS_NBSEND, BST_SYS_RECV,
                                     BST_SYS_NBRECV, BST_SYS_REPLYRECV, BST_SYS_SIGNAL, BST_SYS_WAIT,
                                     BST_SYS_POLL};
    unsigned n;
    const struct forged *f = forged_cptrs(&n);
    for (unsigned c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
        for (unsigned i = 0; i < n; i++) {
            /* An invocation's arguments are its message words: the invoked cap itself is none of them. */
            uint64_t arg = calls[c] == BST_SYS_CALL ? BST_ARG_NONE : 0;
            DENIED(raw(calls[c], f[i].cptr, bst_msginfo(BST_FRAME_GET_ADDRESS, 0, 0)), f[i].code, arg);
            CHECK(detail()->syscall == calls[c]);
            CHECK(f[i].code != BST_E_LOOKUP_FAILED || detail()->bits_resolved < 64);
        }
    }
    return 0;
}

/* Forged slot addresses inside invocations: depth 0 or beyond 64, slot 0, out of range, garbage. */
CASE_WITH_SCRATCH(forged_depths_and_indexes)
{
    CHECK(make(BST_OBJ_ENDPOINT, 0, 1) == BST_OK);
    /* CNode_Copy: dest_index 0, dest_depth 1, src_root 2, src_index 3, src_depth 4, rights 5 */
    static const uint64_t bad_depths[] = {0, 65, 128, ~0ull, 1ull << 32};
    for (unsigned i = 0; i < sizeof(bad_depths) / sizeof(bad_depths[0]); i++) {
        DENIED(bst_cnode_copy(ROOT, S(2), bad_depths[i], ROOT, S(1), 64, BST_RIGHTS_ALL), BST_E_RANGE, 1);
        CHECK(detail()->min == 1 && detail()->max == 64);
        DENIED(bst_cnode_copy(ROOT, S(2), 64, ROOT, S(1), bad_depths[i], BST_RIGHTS_ALL), BST_E_RANGE, 4);
        DENIED(bst_cnode_delete(ROOT, S(1), bad_depths[i]), BST_E_RANGE, 1);
        DENIED(bst_cnode_revoke(ROOT, S(1), bad_depths[i]), BST_E_RANGE, 1);
        if (bad_depths[i] != 0) /* Retype: node depth 0 names the root CNode itself */
            DENIED(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, ROOT, S(1), bad_depths[i], 1, 1), BST_E_RANGE, 4);
    }
    /* Depths that stop inside the guard, indexes past the radix, garbage indexes. */
    static const uint64_t short_depths[] = {1, 12, 52, 63};
    for (unsigned i = 0; i < sizeof(short_depths) / sizeof(short_depths[0]); i++) {
        DENIED(bst_cnode_delete(ROOT, S(1), short_depths[i]), BST_E_LOOKUP_FAILED, 0);
        DENIED(bst_cnode_copy(ROOT, S(2), 64, ROOT, S(1), short_depths[i], BST_RIGHTS_ALL), BST_E_LOOKUP_FAILED, 3);
    }
    const uint64_t bad_indexes[] = {1ull << BST_ROOT_CNODE_RADIX, ~0ull, 0xffff800000000000ull,
                                           0x0000800000000000ull, S(1) | (1ull << 63)};
    for (unsigned i = 0; i < sizeof(bad_indexes) / sizeof(bad_indexes[0]); i++) {
        DENIED(bst_cnode_delete(ROOT, bad_indexes[i], 64), BST_E_LOOKUP_FAILED, 0);
        DENIED(bst_cnode_copy(ROOT, bad_indexes[i], 64, ROOT, S(1), 64, BST_RIGHTS_ALL), BST_E_LOOKUP_FAILED, 0);
        DENIED(bst_cnode_copy(ROOT, S(2), 64, ROOT, bad_indexes[i], 64, BST_RIGHTS_ALL), BST_E_LOOKUP_FAILED, 3);
        DENIED(bst_cnode_move(ROOT, S(2), 64, bad_indexes[i], S(1), 64), BST_E_LOOKUP_FAILED, 2);
    }
    /* Slot 0 of a CNode is reserved: never a destination. */
    DENIED(bst_cnode_copy(ROOT, 0, 64, ROOT, S(1), 64, BST_RIGHTS_ALL), BST_E_RANGE, 0);
    DENIED(bst_cnode_delete(ROOT, 0, 64), BST_E_RANGE, 0);
    return 0;
}

/* The right cptr of the wrong type: every path checks the object type, not just the slot. */
CASE_WITH_SCRATCH(wrong_types_every_call)
{
    CHECK(make(BST_OBJ_FRAME_4K, 0, 1) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, 2) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 3) == BST_OK);
    static const uint64_t endpoint_calls[] = {BST_SYS_SEND, BST_SYS_NBSEND, BST_SYS_RECV, BST_SYS_NBRECV,
                                              BST_SYS_REPLYRECV};
    for (unsigned i = 0; i < sizeof(endpoint_calls) / sizeof(endpoint_calls[0]); i++) {
        DENIED(raw(endpoint_calls[i], S(1), 0), BST_E_WRONG_TYPE, 0);
        DENIED(raw(endpoint_calls[i], S(3), 0), BST_E_WRONG_TYPE, 0);
    }
    static const uint64_t notification_calls[] = {BST_SYS_SIGNAL, BST_SYS_WAIT, BST_SYS_POLL};
    for (unsigned i = 0; i < sizeof(notification_calls) / sizeof(notification_calls[0]); i++) {
        DENIED(raw(notification_calls[i], S(1), 0), BST_E_WRONG_TYPE, 0);
        DENIED(raw(notification_calls[i], S(2), 0), BST_E_WRONG_TYPE, 0);
    }
    /* Objects named as arguments: a frame where a CNode, a PML4 or an endpoint must be. */
    DENIED(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, S(1), 0, 0, 1, 1), BST_E_WRONG_TYPE, 2);
    DENIED(bst_frame_map(S(1), S(2), VADDR, BST_RIGHT_READ, BST_CACHE_WRITE_BACK), BST_E_WRONG_TYPE, 0);
    DENIED(bst_cnode_copy(S(1), S(4), 64, ROOT, S(2), 64, BST_RIGHTS_ALL), BST_E_NOT_SUPPORTED, BST_ARG_NONE);
    return 0;
}

/* Rights only shrink: a copy never gains one, and each operation checks the one it needs. */
CASE_WITH_SCRATCH(wrong_rights_denied)
{
    CHECK(make(BST_OBJ_ENDPOINT, 0, 1) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 2) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, 0, 3) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(4), 64, ROOT, S(1), 64, BST_RIGHT_READ) == BST_OK);  /* receive only */
    CHECK(bst_cnode_copy(ROOT, S(5), 64, ROOT, S(1), 64, BST_RIGHT_WRITE) == BST_OK); /* send only */
    CHECK(bst_cnode_copy(ROOT, S(6), 64, ROOT, S(2), 64, BST_RIGHT_READ) == BST_OK);  /* wait only */
    CHECK(bst_cnode_copy(ROOT, S(7), 64, ROOT, S(3), 64, BST_RIGHT_READ) == BST_OK);  /* read-only frame */
    DENIED(raw(BST_SYS_NBSEND, S(4), 0), BST_E_RIGHTS, 0);
    DENIED(raw(BST_SYS_NBRECV, S(5), 0), BST_E_RIGHTS, 0);
    DENIED(raw(BST_SYS_SIGNAL, S(6), 0), BST_E_RIGHTS, 0);
    DENIED(bst_frame_map(S(7), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK),
           BST_E_RIGHTS, 2);
    DENIED(bst_frame_map(S(7), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ | BST_RIGHT_EXECUTE, BST_CACHE_WRITE_BACK),
           BST_E_RIGHTS, 2);
    /* The bootinfo frame is read-only for the root task: a copy asking for everything cannot map it writable. */
    CHECK(bst_cnode_copy(ROOT, S(10), 64, ROOT, BST_CAP_ROOT_BOOTINFO, 64, BST_RIGHTS_ALL) == BST_OK);
    CHECK(!(cap_info(S(10)).rights & BST_RIGHT_WRITE));
    DENIED(bst_frame_map(S(10), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK),
           BST_E_RIGHTS, 2);
    /* The boot cap itself is mapped already: it cannot map a second time, writable or not. */
    DENIED(bst_frame_map(BST_CAP_ROOT_BOOTINFO, BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ, BST_CACHE_WRITE_BACK),
           BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    DENIED(bst_frame_map(BST_CAP_ROOT_EXCHANGE, BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ, BST_CACHE_WRITE_BACK),
           BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    /* A copy asking for more rights than its source gets only what the source had. */
    CHECK(bst_cnode_copy(ROOT, S(8), 64, ROOT, S(7), 64, BST_RIGHTS_ALL) == BST_OK);
    CHECK(cap_info(S(8)).rights == BST_RIGHT_READ);
    CHECK(bst_cnode_mint(ROOT, S(9), 64, ROOT, S(4), 64, BST_RIGHTS_ALL, 7, 0) == BST_OK);
    CHECK(cap_info(S(9)).rights == BST_RIGHT_READ);
    return 0;
}

/* W^X: no rights mix with both WRITE and EXECUTE ever maps, whatever the cap allows. */
CASE_WITH_SCRATCH(wx_requests_refused)
{
    CHECK(make(BST_OBJ_PDPT, 0, 1) == BST_OK && bst_page_table_map(S(1), BST_CAP_ROOT_VSPACE, VADDR) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_DIRECTORY, 0, 2) == BST_OK && bst_page_table_map(S(2), BST_CAP_ROOT_VSPACE, VADDR) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_TABLE, 0, 3) == BST_OK && bst_page_table_map(S(3), BST_CAP_ROOT_VSPACE, VADDR) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, 0, 4) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_2M, 0, 5) == BST_OK);
    for (uint64_t rights = 0; rights <= BST_RIGHTS_ALL; rights++) {
        if ((rights & BST_RIGHT_WRITE) && (rights & BST_RIGHT_EXECUTE) && !(rights & ~(uint64_t)(BST_RIGHT_READ |
            BST_RIGHT_WRITE | BST_RIGHT_EXECUTE)) && (rights & BST_RIGHT_READ)) {
            DENIED(bst_frame_map(S(4), BST_CAP_ROOT_VSPACE, VADDR, rights, BST_CACHE_WRITE_BACK), BST_E_INVALID_ARG, 2);
            DENIED(bst_frame_map(S(5), BST_CAP_ROOT_VSPACE, VADDR + (1ull << 30), rights, BST_CACHE_WRITE_BACK),
                   BST_E_INVALID_ARG, 2);
        }
    }
    /* The same with W+X plus other bits, and on top of a writable mapping elsewhere. */
    DENIED(bst_frame_map(S(4), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHTS_ALL, BST_CACHE_WRITE_BACK), BST_E_INVALID_ARG, 2);
    CHECK(bst_cnode_copy(ROOT, S(6), 64, ROOT, S(4), 64, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_frame_map(S(6), BST_CAP_ROOT_VSPACE, VADDR + BST_PAGE_SIZE, BST_RIGHT_READ | BST_RIGHT_WRITE,
                        BST_CACHE_WRITE_BACK) == BST_OK);
    DENIED(bst_frame_map(S(4), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE | BST_RIGHT_EXECUTE,
                         BST_CACHE_WRITE_BACK), BST_E_INVALID_ARG, 2);
    /* Nothing got mapped by the refusals: a plain read-only map still fits there. */
    CHECK(bst_frame_map(S(4), BST_CAP_ROOT_VSPACE, VADDR, BST_RIGHT_READ, BST_CACHE_WRITE_BACK) == BST_OK);
    return 0;
}

static const uint64_t hostile_addresses[] = {
    0xffff800000000000ull, 0xffff800000100000ull, 0xffffffff80000000ull, 0xffffffff80100000ull,
    0xfffffffffffff000ull, 0x0000800000000000ull, 0x8000000000000000ull, 0x00007ffffffff000ull, /* last page */
};
#define HOSTILE_COUNT (sizeof(hostile_addresses) / sizeof(hostile_addresses[0]))

/* Kernel, non-canonical and the last user page in every address argument: always a range error. */
CASE_WITH_SCRATCH(kernel_and_noncanonical_addresses)
{
    CHECK(make(BST_OBJ_FRAME_4K, 0, 1) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_TABLE, 0, 2) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_DIRECTORY, 0, 3) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, 4) == BST_OK);
    CHECK(make(BST_OBJ_TCB, 0, 5) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, 0, 6) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_2M, 0, 7) == BST_OK);
    for (unsigned i = 0; i < HOSTILE_COUNT; i++) {
        uint64_t a = hostile_addresses[i];
        DENIED(bst_frame_map(S(1), BST_CAP_ROOT_VSPACE, a, BST_RIGHT_READ, BST_CACHE_WRITE_BACK), BST_E_RANGE, 1);
        DENIED(bst_frame_map(S(7), BST_CAP_ROOT_VSPACE, a & ~((1ull << 21) - 1), BST_RIGHT_READ,
                             BST_CACHE_WRITE_BACK), BST_E_RANGE, 1);
        if (a > BST_USER_ADDR_TOP) { /* a table may cover the last user page; only its leaf stays unmapped */
            DENIED(bst_page_table_map(S(2), BST_CAP_ROOT_VSPACE, a & ~((1ull << 21) - 1)), BST_E_RANGE, 1);
            DENIED(bst_page_table_map(S(3), BST_CAP_ROOT_VSPACE, a & ~((1ull << 30) - 1)), BST_E_RANGE, 1);
            DENIED(bst_page_table_map(S(4), BST_CAP_ROOT_VSPACE, a & ~((1ull << 39) - 1)), BST_E_RANGE, 1);
        }
        DENIED(bst_tcb_configure(S(5), ROOT, BST_CAP_ROOT_VSPACE, S(6), a, 0), BST_E_RANGE,
               BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    }
    /* Unaligned versions of them are refused too, before anything is looked at. */
    DENIED(bst_tcb_configure(S(5), ROOT, BST_CAP_ROOT_VSPACE, S(6), 0xffffffff80100008ull, 0), BST_E_INVALID_ARG,
           BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    DENIED(bst_frame_map(S(1), BST_CAP_ROOT_VSPACE, 0x0000800000000008ull, BST_RIGHT_READ, BST_CACHE_WRITE_BACK),
           BST_E_RANGE, 1);
    return 0;
}

/* I/O ports beyond 0xffff or backwards ranges are no ports at all. */
CASE_WITH_SCRATCH(port_ranges_refused)
{
    static const uint64_t ranges[][2] = {{0, 0x10000}, {0x10000, 0x10000}, {0x3f8, 0x3f7}, {~0ull, ~0ull},
                                         {0x3f8, 1ull << 32}};
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        struct snapshot before;
        take(&before);
        uint64_t e = bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, ranges[i][0], ranges[i][1], ROOT, S(1), 64);
        CHECK(e == BST_E_RANGE || e == BST_E_INVALID_ARG);
        CHECK(detail()->code == e && detail()->argument <= 1);
        CHECK(unchanged(&before));
    }
    return 0;
}

static bool covers(const struct bst_untyped_desc *u, uint64_t paddr)
{
    return paddr >= u->paddr && paddr - u->paddr < (1ull << u->size_bits);
}

/*
 * Memory nobody may retype: no boot untyped covers the kernel image (loaded at
 * 1 MiB) or a frame the kernel gave the root task (its exchange frame and
 * bootinfo), and device untyped never overlaps RAM untyped.
 */
static const char *no_untyped_over_kernel_or_root_frames(void)
{
    uint64_t exchange = 0, bootinfo = 0;
    CHECK(bst_frame_get_address(BST_CAP_ROOT_EXCHANGE, &exchange) == BST_OK);
    CHECK(bst_frame_get_address(BST_CAP_ROOT_BOOTINFO, &bootinfo) == BST_OK);
    const struct bst_bootinfo *bi = bst_bootinfo;
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        const struct bst_untyped_desc *u = &bi->untyped[i];
        CHECK(!covers(u, 0x100000) && !covers(u, exchange) && !covers(u, bootinfo));
        for (unsigned j = 0; j < bi->untyped_count; j++) {
            const struct bst_untyped_desc *v = &bi->untyped[j];
            if (i != j)
                CHECK(!covers(u, v->paddr)); /* no two boot untyped overlap, device or not */
        }
    }
    return 0;
}

/* Device untyped holds frames only: a kernel object there would sit in memory the kernel does not own. */
static const char *device_untyped_holds_no_kernel_objects(void)
{
    bst_cptr_t dev = device_untyped();
    CHECK(dev != 0);
    static const uint64_t types[] = {BST_OBJ_CNODE, BST_OBJ_TCB, BST_OBJ_ENDPOINT, BST_OBJ_NOTIFICATION,
                                     BST_OBJ_PAGE_TABLE, BST_OBJ_PAGE_DIRECTORY, BST_OBJ_PDPT, BST_OBJ_PML4};
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        DENIED(bst_untyped_retype(dev, types[i], types[i] == BST_OBJ_CNODE ? 4 : 0, ROOT, 0, 0, S(1), 1),
               BST_E_INVALID_ARG, 0);
    scratch_reset();
    return 0;
}

/* Untyped exhaustion: the call that does not fit fails whole, with the room left in the detail. */
CASE_WITH_SCRATCH(untyped_exhaustion)
{
    /* 1 MiB holds 256 frames: ask for 257 at once, then fill it and ask for one more. */
    CHECK(bst_untyped_retype(UT, BST_OBJ_UNTYPED, 16, ROOT, 0, 0, S(1), 1) == BST_OK);
    bst_cptr_t small = S(1); /* 64 KiB: 16 frames */
    DENIED(bst_untyped_retype(small, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(2), 17), BST_E_RANGE, 6);
    CHECK(bst_untyped_retype(small, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(2), 15) == BST_OK);
    DENIED(bst_untyped_retype(small, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(17), 2), BST_E_NO_MEMORY, 6);
    CHECK(detail()->max == 1); /* exactly one frame of room left */
    DENIED(bst_untyped_retype(small, BST_OBJ_TCB, 0, ROOT, 0, 0, S(17), 5), BST_E_NO_MEMORY, 6);
    CHECK(bst_untyped_retype(small, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(17), 1) == BST_OK);
    DENIED(bst_untyped_retype(small, BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, S(18), 1), BST_E_NO_MEMORY, 6);
    CHECK(detail()->max == 0);
    /* Revoke gives it all back. */
    CHECK(bst_cnode_revoke(ROOT, small, 64) == BST_OK);
    CHECK(bst_untyped_retype(small, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(2), 16) == BST_OK);
    return 0;
}

/* CNode exhaustion: a full CNode takes nothing more, and a retype that overflows it makes nothing. */
CASE_WITH_SCRATCH(cnode_exhaustion)
{
    CHECK(make(BST_OBJ_CNODE, 2, 1) == BST_OK); /* 4 slots, slot 0 reserved */
    CHECK(make(BST_OBJ_ENDPOINT, 0, 2) == BST_OK);
    bst_cptr_t cn = S(1);
    DENIED(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, ROOT, cn, 64, 1, 4), BST_E_RANGE, 5);
    DENIED(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, ROOT, cn, 64, 0, 1), BST_E_RANGE, 5);
    CHECK(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, ROOT, cn, 64, 1, 3) == BST_OK);
    DENIED(bst_untyped_retype(UT, BST_OBJ_ENDPOINT, 0, ROOT, cn, 64, 3, 1), BST_E_DELETE_FIRST, 5);
    /* Copies into the full CNode (it is reached as root cn with depth 2: its radix, no guard). */
    DENIED(bst_cnode_copy(cn, 1, 2, ROOT, S(2), 64, BST_RIGHTS_ALL), BST_E_DELETE_FIRST, 0);
    /* Only the low depth bits of an index count (as in seL4): 4 at depth 2 is slot 0, reserved. */
    DENIED(bst_cnode_copy(cn, 4, 2, ROOT, S(2), 64, BST_RIGHTS_ALL), BST_E_RANGE, 0);
    DENIED(bst_cnode_copy(cn, 5, 2, ROOT, S(2), 64, BST_RIGHTS_ALL), BST_E_DELETE_FIRST, 0);
    return 0;
}

/* ---- a capability revoked while in flight */

static volatile uint64_t sender_result = ~0ull;

/* Sends one message carrying the cap named in its exchange frame, then parks. */
static void sender(uint64_t exchange_addr)
{
    struct bst_exchange *x = (struct bst_exchange *)exchange_addr;
    static const uint64_t words[4] = {1, 2, 3, 4};
    (void)x;
    sender_result = bst_ipc_syscall(BST_SYS_SEND, S(1), bst_msginfo(7, 1, 4), words, 0);
    for (;;)
        bst_ipc_syscall(BST_SYS_WAIT, S(9), 0, 0, 0); /* no signal ever comes */
}

CASE_WITH_SCRATCH(revoke_while_cap_in_flight)
{
    struct tthread t;
    CHECK(make(BST_OBJ_ENDPOINT, 0, 1) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 2) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 9) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(3), 64, ROOT, S(2), 64, BST_RIGHTS_ALL) == BST_OK); /* the cap in flight */
    CHECK(tthread_start(&t, 0, UT, S(4), S(5), sender, 0x210000, 128, 0) == BST_OK);
    t.exchange->caps[0] = S(3);
    sender_result = ~0ull;
    for (unsigned i = 0; i < 4; i++)
        bst_yield(); /* it sends and blocks: nobody receives yet */
    CHECK(sender_result == ~0ull);
    /* Revoke the cap's parent: the copy in flight goes with it. */
    CHECK(bst_cnode_revoke(ROOT, S(2), 64) == BST_OK);
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL);
    struct snapshot before;
    take(&before);
    bst_set_receive_slot(0, S(6), 64);
    struct bst_msg m;
    CHECK(bst_recv(S(1), &m) == BST_OK);
    bst_set_receive_slot(0, 0, 0);
    CHECK(bst_msginfo_label(m.info) == 7 && bst_msginfo_caps(m.info) == 0 && bst_msginfo_length(m.info) == 4);
    CHECK(m.words[0] == 1 && m.words[3] == 4);
    CHECK(cap_info(S(6)).type == BST_OBJ_NULL); /* nothing arrived */
    CHECK(unchanged(&before));
    for (unsigned i = 0; i < 4; i++)
        bst_yield();
    CHECK(sender_result == BST_OK);
    tthread_stop(&t);
    return 0;
}

/* The endpoint itself deleted under a blocked sender holding a cap to send: it is released with an error. */
CASE_WITH_SCRATCH(endpoint_deleted_under_blocked_sender)
{
    struct tthread t;
    CHECK(make(BST_OBJ_ENDPOINT, 0, 1) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 3) == BST_OK);
    CHECK(make(BST_OBJ_NOTIFICATION, 0, 9) == BST_OK);
    CHECK(tthread_start(&t, 0, UT, S(4), S(5), sender, 0x210000, 128, 0) == BST_OK);
    t.exchange->caps[0] = S(3);
    sender_result = ~0ull;
    for (unsigned i = 0; i < 4; i++)
        bst_yield();
    CHECK(sender_result == ~0ull);
    CHECK(bst_cnode_delete(ROOT, S(1), 64) == BST_OK);
    for (unsigned i = 0; i < 4; i++)
        bst_yield();
    CHECK(sender_result != BST_OK && sender_result != ~0ull && sender_result < BST_E_COUNT);
    CHECK(cap_info(S(3)).type == BST_OBJ_NOTIFICATION); /* its cap stayed where it was */
    CHECK(kernel_consistent());
    tthread_stop(&t);
    return 0;
}

/* Nobody waiting: NBSend and NBRecv fail with would-block and, like every failure, write the detail. */
CASE_WITH_SCRATCH(would_block_writes_the_detail)
{
    static const uint64_t calls[] = {BST_SYS_NBSEND, BST_SYS_NBRECV};
    CHECK(make(BST_OBJ_ENDPOINT, 0, 1) == BST_OK);
    for (unsigned i = 0; i < 2; i++) {
        bst_exchange->error = (struct bst_error_detail){BST_E_RANGE, 7, 7, 7, 7, 7}; /* stale on purpose */
        DENIED(raw(calls[i], S(1), bst_msginfo(0, 0, 0)), BST_E_WOULD_BLOCK, BST_ARG_NONE);
        CHECK(detail()->syscall == calls[i]);
    }
    return 0;
}

static const char *device_untyped_case(void)
{
    const char *why = scratch_untyped(UT_BITS) ? device_untyped_holds_no_kernel_objects() : "no scratch untyped";
    scratch_reset();
    return why;
}

const struct test_case attack_cases[] = {
    {"attack: forged cptrs on every call that takes one", forged_cptrs_every_call},
    {"attack: forged depths and indexes in invocations", forged_depths_and_indexes},
    {"attack: wrong object types on every call", wrong_types_every_call},
    {"attack: wrong rights denied, rights never grow", wrong_rights_denied},
    {"attack: W+X mapping requests refused", wx_requests_refused},
    {"attack: kernel and non-canonical addresses in every address argument", kernel_and_noncanonical_addresses},
    {"attack: I/O port ranges beyond 0xffff or backwards", port_ranges_refused},
    {"attack: no untyped over the kernel image or the root task's frames", no_untyped_over_kernel_or_root_frames},
    {"attack: device untyped never holds kernel objects", device_untyped_case},
    {"attack: untyped exhaustion fails whole", untyped_exhaustion},
    {"attack: CNode exhaustion", cnode_exhaustion},
    {"attack: revoke while a cap is in flight in an IPC", revoke_while_cap_in_flight},
    {"attack: endpoint deleted under a blocked sender", endpoint_deleted_under_blocked_sender},
    {"attack: NBSend/NBRecv with nobody waiting write the would-block detail", would_block_writes_the_detail},
};
const unsigned attack_case_count = sizeof(attack_cases) / sizeof(attack_cases[0]);
