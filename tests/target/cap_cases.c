/* Untyped memory, Retype, CSpace lookup and the CNode operations: successes and every error path. */
#include "tests/target/cases.h"
#include "tests/target/captest.h"

#define S(n) scratch_slot(n)
#define UT_BITS 16 /* 64 KiB scratch untyped per case */
#define TCBS_IN_PAGE (1u << (12 - BST_TCB_SIZE_BITS)) /* TCBs a 4 KiB untyped holds */

static uint64_t retype(bst_cptr_t ut, uint64_t type, uint64_t bits, uint64_t offset, uint64_t count)
{
    return bst_untyped_retype(ut, type, bits, ROOT, 0, 0, offset, count);
}

static const char *retype_endpoint(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 3) == BST_OK);
    for (unsigned i = 1; i <= 3; i++) {
        struct cap_info c = cap_info(S(i));
        CHECK(c.error == BST_OK && c.type == BST_OBJ_ENDPOINT && c.rights == BST_RIGHTS_ALL);
    }
    scratch_reset();
    CHECK(cap_info(S(1)).type == BST_OBJ_NULL); /* revoking the untyped removed them */
    return 0;
}

static const char *retype_every_object_type(void)
{
    bst_cptr_t ut = scratch_untyped(23);
    CHECK(ut);
    static const uint64_t types[][2] = {
        {BST_OBJ_UNTYPED, 12}, {BST_OBJ_CNODE, 4}, {BST_OBJ_TCB, 0}, {BST_OBJ_ENDPOINT, 0},
        {BST_OBJ_NOTIFICATION, 0}, {BST_OBJ_FRAME_4K, 0}, {BST_OBJ_FRAME_2M, 0},
        {BST_OBJ_PAGE_TABLE, 0}, {BST_OBJ_PAGE_DIRECTORY, 0}, {BST_OBJ_PDPT, 0}, {BST_OBJ_PML4, 0},
    };
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        CHECK(retype(ut, types[i][0], types[i][1], S(1 + i), 1) == BST_OK);
        CHECK(cap_info(S(1 + i)).type == types[i][0]);
    }
    scratch_reset();
    return 0;
}

static const char *retype_bad_type(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    static const uint64_t bad[] = {BST_OBJ_NULL, BST_OBJ_IRQ_CONTROL, BST_OBJ_IOPORT, 999};
    for (unsigned i = 0; i < 4; i++) {
        CHECK(retype(ut, bad[i], 0, S(1), 1) == BST_E_INVALID_ARG);
        CHECK(last_error_argument() == 0);
    }
    CHECK(cap_info(S(1)).type == BST_OBJ_NULL);
    scratch_reset();
    return 0;
}

static const char *retype_size_bits_range(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_UNTYPED, BST_UNTYPED_MIN_BITS - 1, S(1), 1) == BST_E_RANGE);
    CHECK(last_error_argument() == 1);
    CHECK(bst_exchange->error.min == BST_UNTYPED_MIN_BITS && bst_exchange->error.max == BST_UNTYPED_MAX_BITS);
    CHECK(retype(ut, BST_OBJ_UNTYPED, BST_UNTYPED_MAX_BITS + 1, S(1), 1) == BST_E_RANGE);
    CHECK(retype(ut, BST_OBJ_CNODE, 0, S(1), 1) == BST_E_RANGE);
    CHECK(retype(ut, BST_OBJ_CNODE, BST_CNODE_MAX_RADIX + 1, S(1), 1) == BST_E_RANGE);
    CHECK(bst_exchange->error.max == BST_CNODE_MAX_RADIX);
    scratch_reset();
    return 0;
}

static const char *retype_count_range(void)
{
    bst_cptr_t ut = scratch_untyped(12);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(1), 0) == BST_E_RANGE);
    CHECK(last_error_argument() == 6);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(1), TCBS_IN_PAGE + 1) == BST_E_RANGE);
    CHECK(bst_exchange->error.max == TCBS_IN_PAGE);
    CHECK(retype(ut, BST_OBJ_FRAME_2M, 0, S(1), 1) == BST_E_RANGE); /* bigger than the untyped */
    scratch_reset();
    /* Room for 2,048 endpoints, but one call makes at most BST_RETYPE_MAX_COUNT (bounded work). */
    CHECK((ut = scratch_untyped(16)));
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, 1, BST_RETYPE_MAX_COUNT + 1) == BST_E_RANGE);
    CHECK(last_error_argument() == 6 && bst_exchange->error.max == BST_RETYPE_MAX_COUNT);
    scratch_reset();
    return 0;
}

static const char *retype_past_the_end(void)
{
    bst_cptr_t ut = scratch_untyped(12);
    CHECK(ut);
    const unsigned half = TCBS_IN_PAGE / 2;
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(1), half) == BST_OK);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(3), TCBS_IN_PAGE - half + 1) == BST_E_NO_MEMORY);
    CHECK(bst_exchange->error.max == TCBS_IN_PAGE - half); /* what would still fit */
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(3), TCBS_IN_PAGE - half) == BST_OK);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(5), 1) == BST_E_NO_MEMORY);
    scratch_reset();
    return 0;
}

static const char *retype_never_overlaps_live_children(void)
{
    bst_cptr_t ut = scratch_untyped(12);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_FRAME_4K, 0, S(1), 1) == BST_OK);
    /* The whole untyped is in use by a live frame: nothing else fits, even after deleting a copy. */
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(3), 1) == BST_E_NO_MEMORY);
    /* Once the last cap to the frame is gone, the untyped is free again. */
    CHECK(bst_cnode_delete(ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(retype(ut, BST_OBJ_FRAME_4K, 0, S(3), 1) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *retype_alignment(void)
{
    bst_cptr_t ut = scratch_untyped(14);
    CHECK(ut);
    /* An endpoint (32 bytes) then a 4 KiB frame: the frame must start on the next page. */
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(retype(ut, BST_OBJ_FRAME_4K, 0, S(2), 3) == BST_OK); /* pages 1..3 of 4 */
    CHECK(retype(ut, BST_OBJ_FRAME_4K, 0, S(5), 1) == BST_E_NO_MEMORY);
    scratch_reset();
    return 0;
}

static const char *retype_destination_checks(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, 0, 1) == BST_E_RANGE); /* slot 0 is reserved */
    CHECK(last_error_argument() == 5);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, 1u << BST_ROOT_CNODE_RADIX, 1) == BST_E_RANGE);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, (1u << BST_ROOT_CNODE_RADIX) - 1, 2) == BST_E_RANGE);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, BST_CAP_ROOT_TCB, 1) == BST_E_DELETE_FIRST);
    CHECK(bst_exchange->error.min == BST_CAP_ROOT_TCB);
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, BST_CAP_ROOT_TCB, 0, 0, S(1), 1) == BST_E_WRONG_TYPE);
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, ROOT, BST_CAP_ROOT_TCB, ROOT_DEPTH, 1, 1) == BST_E_WRONG_TYPE);
    scratch_reset();
    return 0;
}

static const char *retype_into_child_cnode(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(1), 1) == BST_OK);
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, ROOT, S(1), ROOT_DEPTH, 1, 15) == BST_OK);
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, ROOT, S(1), ROOT_DEPTH, 1, 16) == BST_E_RANGE);
    scratch_reset();
    return 0;
}

static const char *device_untyped_only_frames(void)
{
    bst_cptr_t dev = device_untyped();
    CHECK(dev);
    CHECK(retype(dev, BST_OBJ_TCB, 0, S(1), 1) == BST_E_INVALID_ARG);
    CHECK(retype(dev, BST_OBJ_CNODE, 4, S(1), 1) == BST_E_INVALID_ARG);
    CHECK(retype(dev, BST_OBJ_FRAME_4K, 0, S(1), 1) == BST_OK);
    CHECK(cap_info(S(1)).type == BST_OBJ_FRAME_4K);
    CHECK(bst_cnode_revoke(ROOT, dev, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(1)).type == BST_OBJ_NULL);
    return 0;
}

static const char *split_untyped(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_UNTYPED, 12, S(1), 4) == BST_OK);
    CHECK(retype(S(2), BST_OBJ_TCB, 0, S(10), TCBS_IN_PAGE) == BST_OK);
    CHECK(retype(S(2), BST_OBJ_TCB, 0, S(14), 1) == BST_E_NO_MEMORY);
    CHECK(retype(ut, BST_OBJ_UNTYPED, 12, S(20), 12) == BST_OK); /* the remaining 48 KiB */
    CHECK(bst_cnode_delete(ROOT, S(2), ROOT_DEPTH) == BST_E_REVOKE_FIRST);
    CHECK(bst_cnode_revoke(ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(10)).type == BST_OBJ_NULL);
    CHECK(bst_cnode_delete(ROOT, S(2), ROOT_DEPTH) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *invoke_errors(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    uint64_t w[BST_MSG_MAX_WORDS] = {BST_OBJ_ENDPOINT, 0, ROOT};
    CHECK(bst_invoke(ut, BST_UNTYPED_RETYPE, 3, w, 0) == BST_E_TRUNCATED);
    CHECK(bst_exchange->error.min == 7);
    CHECK(bst_invoke(ut, 0x7777, 0, w, 0) == BST_E_NOT_SUPPORTED);
    CHECK(bst_invoke(S(40), BST_UNTYPED_RETYPE, 7, w, 0) == BST_E_INVALID_CAP);
    CHECK(bst_invoke(1ull << 40, BST_UNTYPED_RETYPE, 7, w, 0) == BST_E_LOOKUP_FAILED);
    CHECK(bst_exchange->error.bits_resolved == 0); /* the root CNode's guard did not match */
    /* A message info claiming more than 64 words is refused before anything is read. */
    register uint64_t rax __asm__("rax") = BST_SYS_CALL;
    register uint64_t rdi __asm__("rdi") = ut;
    register uint64_t rsi __asm__("rsi") = bst_msginfo(BST_UNTYPED_RETYPE, 0, 100);
    __asm__ volatile("syscall" : "+r"(rax), "+r"(rdi), "+r"(rsi) : : "rcx", "r11", "rdx", "r8", "r9", "r10", "memory");
    CHECK(rax == BST_E_RANGE);
    /* An invocation on an object type without invocations (a Call on an endpoint is IPC). */
    CHECK(retype(ut, BST_OBJ_NOTIFICATION, 0, S(1), 1) == BST_OK);
    CHECK(bst_invoke(S(1), BST_UNTYPED_RETYPE, 7, w, 0) == BST_E_NOT_SUPPORTED);
    scratch_reset();
    return 0;
}

static const char *copy_and_rights_shrink(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHT_READ | BST_RIGHT_GRANT) == BST_OK);
    CHECK(cap_info(S(2)).rights == (BST_RIGHT_READ | BST_RIGHT_GRANT));
    CHECK(bst_cnode_copy(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(cap_info(S(3)).rights == (BST_RIGHT_READ | BST_RIGHT_GRANT)); /* never grows back */
    CHECK(bst_cnode_copy(ROOT, S(4), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, 0x100) == BST_E_INVALID_ARG);
    CHECK(last_error_argument() == 5);
    scratch_reset();
    return 0;
}

static const char *copy_errors(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(9), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_INVALID_CAP);
    CHECK(bst_cnode_copy(ROOT, BST_CAP_ROOT_TCB, ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_DELETE_FIRST);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, ut, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_ILLEGAL_OPERATION);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, BST_CAP_ROOT_TCB, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_WRONG_TYPE);
    CHECK(bst_cnode_copy(ROOT, S(2), 0, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_RANGE);
    CHECK(bst_cnode_copy(ROOT, S(2), 65, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_RANGE);
    CHECK(bst_cnode_copy(ROOT, S(2), 32, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_LOOKUP_FAILED);
    CHECK(bst_cnode_copy(ROOT, 0, ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_RANGE);
    CHECK(cap_info(S(2)).type == BST_OBJ_NULL);
    scratch_reset();
    return 0;
}

static const char *mint_badges(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_NOTIFICATION, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL, 0xbad6e, 0) == BST_OK);
    CHECK(cap_info(S(2)).badge == 0xbad6e);
    CHECK(bst_cnode_mint(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL, 0x42, 0) == BST_E_ILLEGAL_OPERATION);
    CHECK(bst_cnode_mint(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHT_READ, 0xbad6e, 0) == BST_OK);
    CHECK(cap_info(S(3)).badge == 0xbad6e && cap_info(S(3)).rights == BST_RIGHT_READ);
    CHECK(bst_cnode_mint(ROOT, S(4), ROOT_DEPTH, ROOT, BST_CAP_ROOT_TCB, ROOT_DEPTH, BST_RIGHTS_ALL, 5, 0) == BST_E_INVALID_ARG);
    scratch_reset();
    return 0;
}

static const char *mint_cnode_guard(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(1), 1) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL, 3, 2) == BST_OK);
    CHECK(cap_info(S(2)).badge == 3);
    CHECK(bst_cnode_mint(ROOT, S(3), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL, 4, 2) == BST_E_RANGE);
    CHECK(last_error_argument() == 6);
    CHECK(bst_cnode_mint(ROOT, S(3), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL, 0, 61) == BST_E_RANGE);
    CHECK(last_error_argument() == 7);
    scratch_reset();
    return 0;
}

/* A two-level CSpace: S(1) is a 16-slot CNode; its slot 3 holds a 16-slot CNode with a 2-bit guard 01. */
static const char *guarded_two_level_lookup(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(1), 1) == BST_OK);
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(2), 1) == BST_OK);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(3), 1) == BST_OK);
    CHECK(bst_cnode_mint(S(1), 3, 4, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL, 1, 2) == BST_OK);
    uint64_t deep = (3u << 6) | (1u << 4) | 5u; /* index 3, guard 01, index 5: 10 bits */
    CHECK(bst_cnode_copy(S(1), deep, 10, ROOT, S(3), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(4), ROOT_DEPTH, S(1), deep, 10, BST_RIGHTS_ALL) == BST_OK);
    CHECK(cap_info(S(4)).type == BST_OBJ_ENDPOINT);
    uint64_t wrong_guard = (3u << 6) | (2u << 4) | 5u;
    CHECK(bst_cnode_copy(ROOT, S(5), ROOT_DEPTH, S(1), wrong_guard, 10, BST_RIGHTS_ALL) == BST_E_LOOKUP_FAILED);
    CHECK(bst_exchange->error.bits_resolved == 4);
    CHECK(bst_cnode_copy(ROOT, S(5), ROOT_DEPTH, S(1), deep >> 1, 9, BST_RIGHTS_ALL) == BST_E_LOOKUP_FAILED);
    CHECK(bst_cnode_copy(S(1), (3u << 6) | (1u << 4), 10, ROOT, S(3), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_E_RANGE);
    scratch_reset();
    return 0;
}

static const char *move_keeps_derivation(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_move(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(2)).type == BST_OBJ_NULL && cap_info(S(3)).type == BST_OBJ_ENDPOINT);
    CHECK(bst_cnode_move(ROOT, S(4), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH) == BST_E_INVALID_CAP);
    CHECK(bst_cnode_move(ROOT, S(1), ROOT_DEPTH, ROOT, S(3), ROOT_DEPTH) == BST_E_DELETE_FIRST);
    /* The moved copy is still derived from S(1): revoking S(1) removes it. */
    CHECK(bst_cnode_revoke(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL && cap_info(S(1)).type == BST_OBJ_ENDPOINT);
    /* Untyped caps can be moved (not copied). */
    CHECK(bst_cnode_move(ROOT, S(5), ROOT_DEPTH, ROOT, ut, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(5)).type == BST_OBJ_UNTYPED);
    CHECK(bst_cnode_move(ROOT, ut, ROOT_DEPTH, ROOT, S(5), ROOT_DEPTH) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *mutate_badge(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_mutate(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, 77, 0) == BST_OK);
    CHECK(cap_info(S(2)).badge == 77 && cap_info(S(1)).type == BST_OBJ_NULL);
    CHECK(bst_cnode_copy(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_mutate(ROOT, S(4), ROOT_DEPTH, ROOT, S(3), ROOT_DEPTH, 78, 0) == BST_E_ILLEGAL_OPERATION);
    uint64_t w[5] = {S(4), ROOT_DEPTH, ROOT, S(3), ROOT_DEPTH};
    CHECK(bst_invoke(ROOT, BST_CNODE_MUTATE, 5, w, 0) == BST_E_TRUNCATED);
    scratch_reset();
    return 0;
}

static const char *delete_errors(void)
{
    CHECK(bst_cnode_delete(ROOT, S(30), ROOT_DEPTH) == BST_E_INVALID_CAP);
    CHECK(bst_cnode_delete(ROOT, 0, ROOT_DEPTH) == BST_E_RANGE);
    CHECK(bst_cnode_delete(ROOT, S(30), 3) == BST_E_LOOKUP_FAILED);
    CHECK(bst_cnode_revoke(ROOT, S(30), ROOT_DEPTH) == BST_E_INVALID_CAP);
    uint64_t w[1] = {S(30)};
    CHECK(bst_invoke(ROOT, BST_CNODE_DELETE, 1, w, 0) == BST_E_TRUNCATED);
    CHECK(bst_invoke(ROOT, 0x999, 0, w, 0) == BST_E_NOT_SUPPORTED);
    return 0;
}

static const char *revoke_middle_of_tree(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    /* S1 -> S2 -> S3, S1 -> S4; S2 -> S5 */
    CHECK(retype(ut, BST_OBJ_ENDPOINT, 0, S(1), 1) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(4), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(5), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL && cap_info(S(5)).type == BST_OBJ_NULL);
    CHECK(cap_info(S(1)).type == BST_OBJ_ENDPOINT && cap_info(S(2)).type == BST_OBJ_ENDPOINT);
    CHECK(cap_info(S(4)).type == BST_OBJ_ENDPOINT);
    /* Deleting a cap in the middle keeps its children: they move up. */
    CHECK(bst_cnode_copy(ROOT, S(3), ROOT_DEPTH, ROOT, S(2), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL && cap_info(S(4)).type == BST_OBJ_NULL);
    scratch_reset();
    return 0;
}

static const char *deleting_last_cnode_cap_destroys_contents(void)
{
    bst_cptr_t ut = scratch_untyped(12);
    CHECK(ut);
    /* A 16-slot CNode (1 KiB) holding two endpoints. */
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(1), 1) == BST_OK);
    CHECK(bst_untyped_retype(ut, BST_OBJ_ENDPOINT, 0, ROOT, S(1), ROOT_DEPTH, 1, 2) == BST_OK);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(2), TCBS_IN_PAGE) == BST_E_NO_MEMORY); /* 1 KiB + endpoints in use */
    CHECK(bst_cnode_delete(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    /* Everything made from the untyped is gone, so all 4 KiB are free again. */
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(2), TCBS_IN_PAGE) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *cnode_holding_a_cap_to_itself(void)
{
    bst_cptr_t ut = scratch_untyped(12);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_CNODE, 4, S(1), 1) == BST_OK);
    CHECK(bst_cnode_copy(S(1), 5, 4, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    /* The copy inside keeps the CNode alive (as in seL4): only revoking its untyped reclaims it. */
    CHECK(bst_cnode_delete(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(2), TCBS_IN_PAGE) == BST_E_NO_MEMORY);
    CHECK(bst_cnode_revoke(ROOT, ut, ROOT_DEPTH) == BST_OK);
    CHECK(retype(ut, BST_OBJ_TCB, 0, S(2), TCBS_IN_PAGE) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *revoke_untyped_with_nested_objects(void)
{
    bst_cptr_t ut = scratch_untyped(UT_BITS);
    CHECK(ut);
    CHECK(retype(ut, BST_OBJ_UNTYPED, 13, S(1), 1) == BST_OK);
    CHECK(retype(S(1), BST_OBJ_CNODE, 3, S(2), 1) == BST_OK);
    CHECK(bst_untyped_retype(S(1), BST_OBJ_NOTIFICATION, 0, ROOT, S(2), ROOT_DEPTH, 1, 7) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(3), ROOT_DEPTH, S(2), 4, 3, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, ut, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(1)).type == BST_OBJ_NULL && cap_info(S(2)).type == BST_OBJ_NULL);
    CHECK(cap_info(S(3)).type == BST_OBJ_NULL);
    CHECK(retype(ut, BST_OBJ_FRAME_4K, 0, S(1), 16) == BST_OK);
    scratch_reset();
    return 0;
}

static const char *boot_caps_present(void)
{
    CHECK(cap_info(BST_CAP_ROOT_TCB).type == BST_OBJ_TCB);
    CHECK(cap_info(BST_CAP_ROOT_CNODE).type == BST_OBJ_CNODE);
    CHECK(cap_info(BST_CAP_ROOT_VSPACE).type == BST_OBJ_PML4);
    CHECK(cap_info(BST_CAP_IRQ_CONTROL).type == BST_OBJ_IRQ_CONTROL);
    CHECK(cap_info(BST_CAP_IOPORT_CONTROL).type == BST_OBJ_IOPORT_CONTROL);
    CHECK(cap_info(BST_CAP_ROOT_EXCHANGE).type == BST_OBJ_FRAME_4K);
    CHECK(cap_info(BST_CAP_NULL).type == BST_OBJ_NULL);
    const struct bst_bootinfo *bi = bst_bootinfo;
    CHECK(bi->untyped_count > 0 && bi->empty_first_slot > BST_CAP_FIRST_UNTYPED);
    uint64_t total = 0;
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        CHECK(cap_info(bi->untyped[i].slot).type == BST_OBJ_UNTYPED);
        CHECK((cap_info(bi->untyped[i].slot).flags & 1) == bi->untyped[i].is_device);
        if (!bi->untyped[i].is_device)
            total += 1ull << bi->untyped[i].size_bits;
    }
    CHECK(total == bi->free_ram_bytes);
    return 0;
}

const struct test_case cap_cases[] = {
    {"caps: boot caps and untyped list", boot_caps_present},
    {"retype: endpoints into empty slots", retype_endpoint},
    {"retype: every object type", retype_every_object_type},
    {"retype: bad object type", retype_bad_type},
    {"retype: size bits out of range", retype_size_bits_range},
    {"retype: count out of range", retype_count_range},
    {"retype: past the end of the untyped", retype_past_the_end},
    {"retype: never overlaps live children", retype_never_overlaps_live_children},
    {"retype: objects aligned to their size", retype_alignment},
    {"retype: destination slot checks", retype_destination_checks},
    {"retype: into a child CNode", retype_into_child_cnode},
    {"retype: device untyped only becomes frames", device_untyped_only_frames},
    {"retype: split an untyped", split_untyped},
    {"invoke: truncated, unknown label, empty slot, bad cptr, oversize", invoke_errors},
    {"cnode copy: rights only shrink", copy_and_rights_shrink},
    {"cnode copy: error paths", copy_errors},
    {"cnode mint: badges", mint_badges},
    {"cnode mint: CNode guards", mint_cnode_guard},
    {"cspace: guarded two-level lookup", guarded_two_level_lookup},
    {"cnode move: keeps derivation", move_keeps_derivation},
    {"cnode mutate: badge", mutate_badge},
    {"cnode delete/revoke: error paths", delete_errors},
    {"cnode revoke: in the middle of the tree", revoke_middle_of_tree},
    {"cnode delete: last CNode cap destroys its contents", deleting_last_cnode_cap_destroys_contents},
    {"cnode delete: a CNode holding a cap to itself", cnode_holding_a_cap_to_itself},
    {"cnode revoke: untyped with nested objects", revoke_untyped_with_nested_objects},
};
const unsigned cap_case_count = sizeof(cap_cases) / sizeof(cap_cases[0]);
