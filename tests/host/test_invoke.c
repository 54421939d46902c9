/*
 * Host tests of the capability invocations: kernel/object/untyped.c
 * (Untyped_Retype), kernel/object/cnode.c (Copy, Mint, Move, Mutate, Delete,
 * Revoke), kernel/core/delete.c and kernel/core/invoke.c, driven through the
 * real invoke_syscall with a fake caller TCB whose CSpace is built as
 * kernel/core/roottask.c builds the root task's (tests/host/cap_env.c).
 *
 * Every failing invocation is checked to change nothing: all slots of every
 * live CNode and TCB are compared before and after, and no hook may fire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <bastion/syscall.h>
#include "kernel/lib/log.h"
#include "tests/host/cap_env.h"

/* Argument positions, as the ABI comments in abi/bastion/invocation.h list them. */
enum { R_TYPE, R_SIZE_BITS, R_ROOT, R_INDEX, R_DEPTH, R_OFFSET, R_COUNT };
enum { C_DEST_INDEX, C_DEST_DEPTH, C_SRC_ROOT, C_SRC_INDEX, C_SRC_DEPTH, C_RIGHTS, C_BADGE, C_GUARD_BITS };
enum { M_BADGE = C_RIGHTS, M_GUARD_BITS = C_BADGE };

#define UT(slot) (env_untyped[(slot) - ENV_UT_512K])

static struct slot *S(uint64_t i) { return env_slot(i); }
static struct cap *CAP(uint64_t i) { return &env_slot(i)->cap; }

/* The caller's TCB loses its exchange frame, as a delete of its cap would do. */
static void lose_exchange(void)
{
    cdt_remove(&env_caller->exchange_frame);
    memset(&env_caller->exchange_frame.cap, 0, sizeof(struct cap));
}

static void check_tree(void) { assert_int_equal(invariants_check_tree(&cdt_boot_root), 0); }

static int boot(void **state)
{
    (void)state;
    env_boot(BST_ROOT_CNODE_RADIX);
    check_tree();
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    env_init();
    log_set_level(LOG_DEBUG); /* inv_fail's reason lines go to the test log */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    env_fini();
    return 0;
}

/* The call fails with code, says so in its detail, and changes no slot and fires no hook. */
#define FAILS(expect, call)                                                           \
    do {                                                                            \
        struct env_snapshot *snap_ = env_snapshot_take();                           \
        unsigned events_ = env_event_count;                                         \
        enum bst_error e_ = (call);                                                 \
        assert_int_equal(e_, (expect));                                               \
        assert_int_equal(env_detail()->code, (expect));                               \
        assert_int_equal(env_detail()->syscall, BST_SYS_CALL);                      \
        assert_int_equal(env_caller->context.rsi, bst_msginfo(0, 0, 0));            \
        assert_true(env_snapshot_equal(snap_));                                     \
        assert_int_equal(env_event_count, events_);                                 \
        env_snapshot_free(snap_);                                                   \
        check_tree();                                                               \
    } while (0)

#define OK(call)                                                                    \
    do {                                                                            \
        enum bst_error e_ = (call);                                                 \
        assert_int_equal(e_, BST_OK);                                               \
        check_tree();                                                               \
    } while (0)

static void detail_is(uint64_t argument, uint64_t min, uint64_t max)
{
    assert_int_equal(env_detail()->argument, argument);
    assert_int_equal(env_detail()->min, min);
    assert_int_equal(env_detail()->max, max);
}

static void lookup_detail_is(uint64_t argument, uint64_t bits_resolved)
{
    assert_int_equal(env_detail()->argument, argument);
    assert_int_equal(env_detail()->bits_resolved, bits_resolved);
}

static uint64_t object_bits(enum bst_object_type type, unsigned size_bits)
{
    switch (type) {
    case BST_OBJ_UNTYPED: return size_bits;
    case BST_OBJ_CNODE: return size_bits + BST_SLOT_SIZE_BITS;
    case BST_OBJ_TCB: return BST_TCB_SIZE_BITS;
    case BST_OBJ_ENDPOINT: return BST_ENDPOINT_SIZE_BITS;
    case BST_OBJ_NOTIFICATION: return BST_NOTIFICATION_SIZE_BITS;
    case BST_OBJ_FRAME_2M: return BST_FRAME_2M_BITS;
    default: return 12;
    }
}

/* Retypes one object of type into a root slot from untyped ut; returns the slot. */
static struct slot *make(unsigned ut, enum bst_object_type type, unsigned size_bits, unsigned slot)
{
    OK(env_retype(ut, type, size_bits, slot, 1));
    return S(slot);
}

/* ---------------------------------------------------------------- Untyped_Retype */

static void test_retype_endpoints(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K;
    uint64_t base = UT(ut).paddr;
    OK(env_retype(ut, BST_OBJ_ENDPOINT, 0, 100, 3));
    for (unsigned i = 0; i < 3; i++) {
        struct slot *s = S(100 + i);
        assert_int_equal(cap_type(&s->cap), BST_OBJ_ENDPOINT);
        assert_int_equal(s->cap.paddr, base + i * 32);
        assert_int_equal(cap_rights(&s->cap), BST_RIGHTS_ALL);
        assert_true(cap_flags(&s->cap) & CAP_FLAG_ORIGINAL);
        assert_int_equal(s->cap.w2, 0); /* no badge */
        assert_ptr_equal(s->parent, S(ut));
        assert_true(env_is_zero(s->cap.paddr, 32));
        assert_true(cdt_is_final(s));
    }
    assert_int_equal(CAP(ut)->w2, 96);
    assert_false(env_is_zero(base + 96, 32)); /* the rest keeps its stale bytes */
    /* The next object is aligned to its own size above the watermark. */
    OK(env_retype(ut, BST_OBJ_CNODE, 4, 103, 1));
    assert_int_equal(CAP(103)->paddr, base + 1024);
    assert_int_equal(cap_size_bits(CAP(103)), 4);
    assert_int_equal(cap_guard_bits(CAP(103)), 0);
    assert_true(env_is_zero(base + 1024, 1024));
    assert_int_equal(CAP(ut)->w2, 2048);
    OK(env_retype(ut, BST_OBJ_FRAME_4K, 0, 104, 2));
    assert_int_equal(CAP(104)->paddr, base + 4096);
    assert_int_equal(CAP(105)->paddr, base + 8192);
    assert_int_equal(CAP(ut)->w2, 12288);
    /* Children are inserted at the head of the untyped's list. */
    assert_ptr_equal(S(ut)->first_child, S(105));
    /* Results: none, in registers or message info. */
    assert_int_equal(env_caller->context.rsi, bst_msginfo(0, 0, 0));
}

static void test_retype_every_type(void **state)
{
    (void)state;
    static const struct { enum bst_object_type type; unsigned size_bits; } all[] = {
        {BST_OBJ_UNTYPED, 4},     {BST_OBJ_UNTYPED, 20},     {BST_OBJ_CNODE, 1},
        {BST_OBJ_CNODE, 12},      {BST_OBJ_TCB, 0},          {BST_OBJ_ENDPOINT, 0},
        {BST_OBJ_NOTIFICATION, 0}, {BST_OBJ_FRAME_4K, 0},    {BST_OBJ_FRAME_2M, 0},
        {BST_OBJ_PAGE_TABLE, 0},  {BST_OBJ_PAGE_DIRECTORY, 0}, {BST_OBJ_PDPT, 0},
        {BST_OBJ_PML4, 0},
    };
    unsigned ut = ENV_UT_32M;
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        unsigned slot = 200 + i;
        env_events_clear();
        make(ut, all[i].type, all[i].size_bits, slot);
        const struct cap *c = CAP(slot);
        uint64_t size = 1ull << object_bits(all[i].type, all[i].size_bits);
        assert_int_equal(cap_type(c), all[i].type);
        assert_int_equal(c->paddr % size, 0);
        assert_true(c->paddr >= UT(ut).paddr && c->paddr + size <= UT(ut).paddr + (1ull << UT(ut).size_bits));
        assert_true(env_is_zero(c->paddr, size));
        assert_ptr_equal(S(slot)->parent, S(ut));
        if (all[i].type == BST_OBJ_UNTYPED || all[i].type == BST_OBJ_CNODE)
            assert_int_equal(cap_size_bits(c), all[i].size_bits);
        else
            assert_int_equal(cap_size_bits(c), 0);
        if (all[i].type == BST_OBJ_TCB) {
            assert_int_equal(env_hook_count(HOOK_TCB_OBJECT_INIT), 1);
            assert_int_equal(env_events[0].cap.paddr, c->paddr);
        } else if (all[i].type == BST_OBJ_PML4) {
            assert_int_equal(env_hook_count(HOOK_VSPACE_INIT_ROOT), 1);
            assert_int_equal(c->w3, 0); /* no ASID until an ASID pool assigns one */
        } else {
            assert_int_equal(env_event_count, 0);
            assert_int_equal(c->w3, 0);
        }
    }
}

static void test_retype_bad_type(void **state)
{
    (void)state;
    static const uint64_t bad[] = {BST_OBJ_NULL, BST_OBJ_IRQ_CONTROL, BST_OBJ_IRQ_HANDLER,
                                   BST_OBJ_IOPORT_CONTROL, BST_OBJ_IOPORT, BST_OBJ_MACHINE_CONTROL,
                                   BST_OBJ_ASID_CONTROL, BST_OBJ_ASID_POOL, BST_OBJ_XENTRY,
                                   BST_OBJ_TYPE_COUNT, 1000, UINT64_MAX};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FAILS(BST_E_INVALID_ARG, env_retype(ENV_UT_512K, bad[i], 0, 100, 1));
        /* The retypeable types are not one run since the relay types were appended. */
        detail_is(R_TYPE, BST_OBJ_UNTYPED, BST_OBJ_TYPE_COUNT - 1);
    }
}

static void test_retype_size_bits_range(void **state)
{
    (void)state;
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_UNTYPED, 3, 100, 1));
    detail_is(R_SIZE_BITS, BST_UNTYPED_MIN_BITS, BST_UNTYPED_MAX_BITS);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_UNTYPED, 48, 100, 1));
    detail_is(R_SIZE_BITS, BST_UNTYPED_MIN_BITS, BST_UNTYPED_MAX_BITS);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_UNTYPED, UINT64_MAX, 100, 1));
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_CNODE, 0, 100, 1));
    detail_is(R_SIZE_BITS, BST_CNODE_MIN_RADIX, BST_CNODE_MAX_RADIX);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_CNODE, 21, 100, 1));
    detail_is(R_SIZE_BITS, BST_CNODE_MIN_RADIX, BST_CNODE_MAX_RADIX);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_CNODE, 1ull << 32 | 4, 100, 1));
    /* Objects larger than the untyped: no count fits. */
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_UNTYPED, 20, 100, 1));
    detail_is(R_COUNT, 1, 0);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_FRAME_2M, 0, 100, 1));
    detail_is(R_COUNT, 1, 0);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_CNODE, 14, 100, 1)); /* 2^20 bytes */
    /* Exactly the untyped's size is fine. */
    OK(env_retype(ENV_UT_512K, BST_OBJ_UNTYPED, 19, 100, 1));
    assert_int_equal(CAP(100)->paddr, UT(ENV_UT_512K).paddr);
}

static void test_retype_count_range(void **state)
{
    (void)state;
    /* The untyped holds 16,384 endpoints, but one call makes at most BST_RETYPE_MAX_COUNT. */
    uint64_t capacity = (1ull << 19) / 32;
    assert_true(capacity > BST_RETYPE_MAX_COUNT);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, 0));
    detail_is(R_COUNT, 1, BST_RETYPE_MAX_COUNT);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, BST_RETYPE_MAX_COUNT + 1));
    detail_is(R_COUNT, 1, BST_RETYPE_MAX_COUNT);
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, capacity + 1));
    detail_is(R_COUNT, 1, BST_RETYPE_MAX_COUNT);
    /* A small untyped bounds the count by what fits. */
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_FRAME_2M, 0, 100, 1));
    detail_is(R_COUNT, 1, 0);
    OK(env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, BST_RETYPE_MAX_COUNT));
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, UINT64_MAX));
    FAILS(BST_E_RANGE, env_retype(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100, 1ull << 63));
    /* Too few message words. */
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_UT_512K, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 0, 0, 100));
    detail_is(BST_ARG_NONE, 7, BST_MSG_MAX_WORDS);
}

static void test_retype_destination(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K, slots = 1u << BST_ROOT_CNODE_RADIX;
    FAILS(BST_E_RANGE, env_retype(ut, BST_OBJ_ENDPOINT, 0, 0, 1));
    detail_is(R_OFFSET, 1, slots - 1);
    FAILS(BST_E_RANGE, env_retype(ut, BST_OBJ_ENDPOINT, 0, slots, 1));
    FAILS(BST_E_RANGE, env_retype(ut, BST_OBJ_ENDPOINT, 0, slots - 1, 2));
    detail_is(R_OFFSET, 1, slots - 2);
    FAILS(BST_E_RANGE, env_retype(ut, BST_OBJ_ENDPOINT, 0, UINT64_MAX, 1));
    /* More objects than the CNode has slots from offset: max must not wrap. */
    FAILS(BST_E_RANGE, env_retype(ut, BST_OBJ_ENDPOINT, 0, slots - 10, 20));
    detail_is(R_OFFSET, 1, slots - 20);
    /* A full slot anywhere in the range: delete first, and which one. */
    make(ut, BST_OBJ_NOTIFICATION, 0, 105);
    FAILS(BST_E_DELETE_FIRST, env_retype(ut, BST_OBJ_ENDPOINT, 0, 100, 10));
    detail_is(R_OFFSET, 105, 105);
    FAILS(BST_E_DELETE_FIRST, env_retype(ut, BST_OBJ_ENDPOINT, 0, ut, 1)); /* onto the untyped itself */
    /* The destination root must be a CNode cap. */
    FAILS(BST_E_WRONG_TYPE, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, 105, 0, 0, 1, 1));
    detail_is(R_ROOT, BST_OBJ_CNODE, BST_OBJ_CNODE);
    FAILS(BST_E_INVALID_CAP, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, 999, 0, 0, 1, 1));
    assert_int_equal(env_detail()->argument, R_ROOT);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, 1ull << 40, 0, 0, 1, 1));
    lookup_detail_is(R_ROOT, 0);
    /* With a depth, (index, depth) names a CNode cap below the root. */
    make(ut, BST_OBJ_CNODE, 2, 106);
    FAILS(BST_E_WRONG_TYPE, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 105, 64, 1, 1));
    detail_is(R_INDEX, BST_OBJ_CNODE, BST_OBJ_CNODE);
    FAILS(BST_E_RANGE, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 0, 64, 1, 1));
    detail_is(R_INDEX, 1, BST_ARG_NONE);
    FAILS(BST_E_RANGE, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 106, 65, 1, 1));
    detail_is(R_DEPTH, 1, 64);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 106, 12, 1, 1));
    lookup_detail_is(R_INDEX, 0);
    FAILS(BST_E_RANGE, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 106, 64, 1, 4));
    detail_is(R_OFFSET, 1, 0);
    OK(ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, ENV_ROOT, 106, 64, 1, 3));
    struct slot *child = cnode_slots(CAP(106));
    for (unsigned i = 1; i < 4; i++) {
        assert_int_equal(cap_type(&child[i].cap), BST_OBJ_ENDPOINT);
        assert_ptr_equal(child[i].parent, S(ut));
    }
    assert_true(cap_is_null(&child[0].cap));
    /* Or the CNode cap itself as the root, depth 0. */
    FAILS(BST_E_DELETE_FIRST, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, 106, 0, 0, 3, 1));
    detail_is(R_OFFSET, 3, 3);
}

static void test_retype_no_memory(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K;
    uint64_t frames = (1ull << 19) >> 12;
    OK(env_retype(ut, BST_OBJ_FRAME_4K, 0, 100, 1));
    FAILS(BST_E_NO_MEMORY, env_retype(ut, BST_OBJ_FRAME_4K, 0, 200, frames));
    detail_is(R_COUNT, 0, frames - 1);
    OK(env_retype(ut, BST_OBJ_FRAME_4K, 0, 200, frames - 1));
    assert_int_equal(CAP(ut)->w2, 1ull << 19);
    FAILS(BST_E_NO_MEMORY, env_retype(ut, BST_OBJ_ENDPOINT, 0, 1000, 1));
    detail_is(R_COUNT, 0, 0);
    /* Deleting one object while others live frees nothing. */
    OK(env_delete(200 + frames - 2));
    FAILS(BST_E_NO_MEMORY, env_retype(ut, BST_OBJ_FRAME_4K, 0, 1000, 1));
    detail_is(R_COUNT, 0, 0);
}

static void test_retype_device_untyped(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_DEVICE;
    static const uint64_t refused[] = {BST_OBJ_CNODE, BST_OBJ_TCB, BST_OBJ_ENDPOINT, BST_OBJ_NOTIFICATION,
                                       BST_OBJ_PAGE_TABLE, BST_OBJ_PML4};
    for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        FAILS(BST_E_INVALID_ARG, env_retype(ut, refused[i], 4, 100, 1));
        detail_is(R_TYPE, BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M);
    }
    make(ut, BST_OBJ_FRAME_4K, 0, 100);
    assert_true(cap_flags(CAP(100)) & CAP_FLAG_DEVICE);
    /* The kernel never writes device memory: the frame keeps its bytes. */
    assert_false(env_is_zero(CAP(100)->paddr, 4096));
    /* A 2 MiB frame must be aligned: no room above the 4 KiB one. */
    FAILS(BST_E_NO_MEMORY, env_retype(ut, BST_OBJ_FRAME_2M, 0, 101, 1));
    OK(env_revoke(ut));
    make(ut, BST_OBJ_FRAME_2M, 0, 101);
    assert_int_equal(CAP(101)->paddr, UT(ut).paddr);
    assert_true(cap_flags(CAP(101)) & CAP_FLAG_DEVICE);
    FAILS(BST_E_NO_MEMORY, env_retype(ut, BST_OBJ_FRAME_4K, 0, 102, 1));
    OK(env_revoke(ut));
    make(ut, BST_OBJ_UNTYPED, 16, 102);
    assert_true(cap_flags(CAP(102)) & CAP_FLAG_DEVICE);
    FAILS(BST_E_INVALID_ARG, env_retype(102, BST_OBJ_ENDPOINT, 0, 103, 1));
    make(102, BST_OBJ_FRAME_4K, 0, 103);
    assert_true(cap_flags(CAP(103)) & CAP_FLAG_DEVICE);
    assert_int_equal(CAP(103)->paddr, UT(ut).paddr);
}

static void test_retype_after_revoke_reuses_memory(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K;
    uint64_t base = UT(ut).paddr;
    OK(env_retype(ut, BST_OBJ_FRAME_4K, 0, 100, 4));
    for (unsigned i = 0; i < 4; i++)
        memset(env_mem(CAP(100 + i)->paddr), 0x5a, 4096); /* the user's data */
    OK(env_copy(110, 101, BST_RIGHTS_ALL));
    OK(env_revoke(ut));
    assert_false(cdt_has_children(S(ut)));
    for (unsigned i = 0; i < 4; i++)
        assert_true(cap_is_null(CAP(100 + i)));
    assert_true(cap_is_null(CAP(110)));
    assert_int_equal(env_hook_count(HOOK_FRAME_DELETED), 5);
    /* Memory is handed out again from the start, zeroed. */
    make(ut, BST_OBJ_CNODE, 8, 120);
    assert_int_equal(CAP(120)->paddr, base);
    assert_true(env_is_zero(base, 1u << 14));
    assert_int_equal(CAP(ut)->w2, 1u << 14);
    /* Deleting every child one by one frees it too. */
    OK(env_delete(120));
    make(ut, BST_OBJ_ENDPOINT, 0, 121);
    assert_int_equal(CAP(121)->paddr, base);
    /* While one child lives, memory is not reused. */
    make(ut, BST_OBJ_ENDPOINT, 0, 122);
    OK(env_delete(121));
    make(ut, BST_OBJ_ENDPOINT, 0, 123);
    assert_int_equal(CAP(122)->paddr, base + 32);
    assert_int_equal(CAP(123)->paddr, base + 64);
}

static void test_split_untyped(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K;
    uint64_t base = UT(ut).paddr;
    OK(env_retype(ut, BST_OBJ_UNTYPED, 16, 100, 4));
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(CAP(100 + i)->paddr, base + (i << 16));
        assert_int_equal(cap_size_bits(CAP(100 + i)), 16);
        assert_int_equal(CAP(100 + i)->w2, 0);
        assert_false(cap_flags(CAP(100 + i)) & CAP_FLAG_DEVICE);
    }
    /* Each piece is an untyped of its own. */
    make(102, BST_OBJ_ENDPOINT, 0, 110);
    assert_int_equal(CAP(110)->paddr, base + (2 << 16));
    assert_ptr_equal(S(110)->parent, S(102));
    make(102, BST_OBJ_CNODE, 4, 111);
    assert_int_equal(CAP(111)->paddr, base + (2 << 16) + 1024);
    OK(env_retype(103, BST_OBJ_UNTYPED, 12, 112, 16));
    make(112, BST_OBJ_FRAME_4K, 0, 130);
    assert_int_equal(CAP(130)->paddr, base + (3 << 16));
    FAILS(BST_E_NO_MEMORY, env_retype(112, BST_OBJ_ENDPOINT, 0, 131, 1));
    /* The parent goes on above its watermark. */
    make(ut, BST_OBJ_ENDPOINT, 0, 131);
    assert_int_equal(CAP(131)->paddr, base + (4 << 16));
    /* An untyped with children is revoked first. */
    FAILS(BST_E_REVOKE_FIRST, env_delete(102));
    detail_is(0, 0, 0);
    FAILS(BST_E_REVOKE_FIRST, env_delete(ut));
    OK(env_revoke(102));
    assert_true(cap_is_null(CAP(110)) && cap_is_null(CAP(111)));
    assert_false(cap_is_null(CAP(102)));
    OK(env_delete(102));
    OK(env_revoke(ut));
    for (unsigned i = 100; i < 140; i++)
        assert_true(cap_is_null(CAP(i)));
    assert_false(cdt_has_children(S(ut)));
}

/* ---------------------------------------------------------------- CNode: copy and mint */

static void test_copy_rights_shrink(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    OK(env_copy(101, 100, BST_RIGHT_READ | BST_RIGHT_GRANT));
    assert_int_equal(cap_type(CAP(101)), BST_OBJ_ENDPOINT);
    assert_int_equal(CAP(101)->paddr, CAP(100)->paddr);
    assert_int_equal(cap_rights(CAP(101)), BST_RIGHT_READ | BST_RIGHT_GRANT);
    assert_false(cap_flags(CAP(101)) & CAP_FLAG_ORIGINAL);
    assert_ptr_equal(S(101)->parent, S(100));
    /* Rights never grow back. */
    OK(env_copy(102, 101, BST_RIGHTS_ALL));
    assert_int_equal(cap_rights(CAP(102)), BST_RIGHT_READ | BST_RIGHT_GRANT);
    OK(env_copy(103, 102, BST_RIGHT_WRITE));
    assert_int_equal(cap_rights(CAP(103)), 0);
    assert_ptr_equal(S(103)->parent, S(102));
    FAILS(BST_E_INVALID_ARG, env_copy(104, 100, BST_RIGHTS_ALL + 1));
    detail_is(C_RIGHTS, 0, BST_RIGHTS_ALL);
    FAILS(BST_E_INVALID_ARG, env_copy(104, 100, 1ull << 40));
    /* A copy of a mapped frame starts unmapped. */
    OK(env_copy(104, BST_CAP_ROOT_EXCHANGE, BST_RIGHT_READ));
    assert_int_equal(CAP(104)->w2, 0);
    assert_int_equal(CAP(104)->w3, 0);
    assert_int_equal(cap_rights(CAP(104)), BST_RIGHT_READ);
    /* Copies of control caps and of a CNode cap keep their fields. */
    OK(env_copy(105, BST_CAP_IRQ_CONTROL, BST_RIGHTS_ALL));
    OK(env_copy(106, ENV_ROOT, BST_RIGHTS_ALL));
    assert_int_equal(cap_guard_bits(CAP(106)), 64 - BST_ROOT_CNODE_RADIX);
    assert_int_equal(cap_size_bits(CAP(106)), BST_ROOT_CNODE_RADIX);
    /* The copied root CNode cap works as a root: copy through it. */
    OK(ENV_CALL(106, BST_CNODE_COPY, 107, 64, 106, 100, 64, BST_RIGHTS_ALL));
    assert_ptr_equal(S(107)->parent, S(100));
}

/*
 * Rights (abi/bastion/rights.h): the invoked cap is checked before the
 * handler runs. A read-only Untyped cap cannot be made from user space
 * (Untyped caps are never copied), so it is made here by hand.
 */
static void test_rights_of_invoked_untyped_and_cnode(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_512K;
    cap_set_rights(CAP(ut), BST_RIGHTS_ALL & ~BST_RIGHT_WRITE);
    FAILS(BST_E_RIGHTS, env_retype(ut, BST_OBJ_ENDPOINT, 0, 100, 1));
    detail_is(BST_ARG_NONE, BST_RIGHT_WRITE, BST_RIGHT_WRITE);
    assert_int_equal(CAP(ut)->w2, 0); /* the watermark did not move */
    cap_set_rights(CAP(ut), BST_RIGHT_WRITE); /* write alone is enough */
    OK(env_retype(ut, BST_OBJ_ENDPOINT, 0, 100, 1));
    /* A read-only copy of the root CNode: nothing can be copied into, moved out of or deleted from it. */
    OK(env_copy(101, ENV_ROOT, BST_RIGHT_READ));
    FAILS(BST_E_RIGHTS, ENV_CALL(101, BST_CNODE_COPY, 102, 64, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    detail_is(BST_ARG_NONE, BST_RIGHT_WRITE, BST_RIGHT_WRITE);
    FAILS(BST_E_RIGHTS, ENV_CALL(101, BST_CNODE_DELETE, 100, 64));
    FAILS(BST_E_RIGHTS, ENV_CALL(ENV_ROOT, BST_CNODE_MOVE, 102, 64, 101, 100, 64));
    detail_is(C_SRC_ROOT, BST_RIGHT_WRITE, BST_RIGHT_WRITE);
    /* Reading from it is fine: Copy's source root needs only read. */
    OK(ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, 101, 100, 64, BST_RIGHTS_ALL));
    /* The root CNode given as Retype's destination root needs write. */
    FAILS(BST_E_RIGHTS, ENV_CALL(ut, BST_UNTYPED_RETYPE, BST_OBJ_ENDPOINT, 0, 101, 0, 0, 103, 1));
    detail_is(R_ROOT, BST_RIGHT_WRITE, BST_RIGHT_WRITE);
}

static void test_copy_errors(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 101);
    FAILS(BST_E_ILLEGAL_OPERATION, env_copy(102, ENV_UT_512K, BST_RIGHTS_ALL));
    detail_is(C_SRC_INDEX, 0, 0);
    FAILS(BST_E_ILLEGAL_OPERATION, env_mint(102, ENV_UT_4M, BST_RIGHTS_ALL, 0, 0));
    FAILS(BST_E_INVALID_CAP, env_copy(102, 103, BST_RIGHTS_ALL));
    detail_is(C_SRC_INDEX, 0, 0);
    FAILS(BST_E_DELETE_FIRST, env_copy(101, 100, BST_RIGHTS_ALL));
    detail_is(C_DEST_INDEX, 0, 0);
    FAILS(BST_E_DELETE_FIRST, env_copy(100, 100, BST_RIGHTS_ALL));
    FAILS(BST_E_RANGE, env_copy(0, 100, BST_RIGHTS_ALL));
    detail_is(C_DEST_INDEX, 1, BST_ARG_NONE);
    FAILS(BST_E_RANGE, env_copy(102, 0, BST_RIGHTS_ALL));
    detail_is(C_SRC_INDEX, 1, BST_ARG_NONE);
    FAILS(BST_E_RANGE, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 0, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    detail_is(C_DEST_DEPTH, 1, 64);
    FAILS(BST_E_RANGE, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 65, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    detail_is(C_DEST_DEPTH, 1, 64);
    FAILS(BST_E_RANGE, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, ENV_ROOT, 100, UINT64_MAX, BST_RIGHTS_ALL));
    detail_is(C_SRC_DEPTH, 1, 64);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 63, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    lookup_detail_is(C_DEST_INDEX, 0);
    FAILS(BST_E_LOOKUP_FAILED, env_copy(1ull << 12 | 102, 100, BST_RIGHTS_ALL));
    lookup_detail_is(C_DEST_INDEX, 0);
    FAILS(BST_E_LOOKUP_FAILED, env_copy(102, 1ull << 63 | 100, BST_RIGHTS_ALL));
    lookup_detail_is(C_SRC_INDEX, 0);
    /* The source root must be a CNode. */
    FAILS(BST_E_WRONG_TYPE, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, 100, 100, 64, BST_RIGHTS_ALL));
    detail_is(C_SRC_ROOT, BST_OBJ_CNODE, BST_OBJ_CNODE);
    FAILS(BST_E_INVALID_CAP, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, 999, 100, 64, BST_RIGHTS_ALL));
    detail_is(C_SRC_ROOT, 0, 0);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, 1ull << 50, 100, 64, BST_RIGHTS_ALL));
    lookup_detail_is(C_SRC_ROOT, 0);
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 102, 64, ENV_ROOT, 100, 64));
    detail_is(BST_ARG_NONE, 6, BST_MSG_MAX_WORDS);
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_ROOT, BST_CNODE_MINT, 102, 64, ENV_ROOT, 100, 64, BST_RIGHTS_ALL, 0));
    detail_is(BST_ARG_NONE, 8, BST_MSG_MAX_WORDS);
}

/* A CNode (radix 4) minted with a 56-bit guard into root slot 120: 60 bits, then slot contents. */
static void two_level_cspace(void)
{
    make(ENV_UT_512K, BST_OBJ_CNODE, 4, 119);
    OK(env_mint(120, 119, BST_RIGHTS_ALL, 0xabc, 56));
    assert_int_equal(cap_guard_bits(CAP(120)), 56);
    assert_int_equal(CAP(120)->w2, 0xabc);
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    OK(ENV_CALL(120, BST_CNODE_COPY, 0xabcull << 4 | 5, 60, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    make(ENV_UT_512K, BST_OBJ_CNODE, 4, 121);
    OK(ENV_CALL(120, BST_CNODE_MOVE, 0xabcull << 4 | 6, 60, ENV_ROOT, 121, 64));
}

static void test_lookup_failures_bits_resolved(void **state)
{
    (void)state;
    two_level_cspace();
    struct slot *second = cnode_slots(CAP(120));
    assert_ptr_equal(second[5].parent, S(100));
    /* Through the endpoint in slot 5: 60 bits resolved, 4 left over. */
    uint64_t via_ep = (0xabcull << 4 | 5) << 4 | 1;
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 101, 64, 120, via_ep, 64, BST_RIGHTS_ALL));
    lookup_detail_is(C_SRC_INDEX, 60);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(120, BST_CNODE_COPY, via_ep, 64, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    lookup_detail_is(C_DEST_INDEX, 60);
    /* Wrong guard: nothing resolved. */
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(ENV_ROOT, BST_CNODE_COPY, 101, 64, 120, 0xabdull << 4 | 5, 60, BST_RIGHTS_ALL));
    lookup_detail_is(C_SRC_INDEX, 0);
    /* Into the CNode in slot 6 (radix 4, no guard): all 64 bits. */
    uint64_t via_cnode = (0xabcull << 4 | 6) << 4 | 3;
    OK(ENV_CALL(120, BST_CNODE_COPY, via_cnode, 64, 120, 0xabcull << 4 | 5, 60, BST_RIGHT_READ));
    struct slot *third = cnode_slots(&second[6].cap);
    assert_int_equal(cap_type(&third[3].cap), BST_OBJ_ENDPOINT);
    assert_int_equal(cap_rights(&third[3].cap), BST_RIGHT_READ);
    assert_ptr_equal(third[3].parent, &second[5]);
    /* Slot 0 of the inner CNode is reserved whatever the path. */
    FAILS(BST_E_RANGE, ENV_CALL(120, BST_CNODE_COPY, via_cnode & ~0xfull, 64, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
    /* The invoked cap is found by a capability lookup, which stops at a non-CNode. */
    uint64_t ep_cptr_in_root = 100;
    FAILS(BST_E_NOT_SUPPORTED, ENV_CALL(ep_cptr_in_root, BST_CNODE_COPY, 1, 64, ENV_ROOT, 100, 64, BST_RIGHTS_ALL));
}

static void test_mint_badges(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    make(ENV_UT_512K, BST_OBJ_NOTIFICATION, 0, 110);
    OK(env_mint(101, 100, BST_RIGHT_WRITE, 7, 0));
    assert_int_equal(CAP(101)->w2, 7);
    assert_int_equal(cap_rights(CAP(101)), BST_RIGHT_WRITE);
    assert_ptr_equal(S(101)->parent, S(100));
    assert_false(cdt_is_final(S(101)));
    FAILS(BST_E_ILLEGAL_OPERATION, env_mint(102, 101, BST_RIGHTS_ALL, 8, 0));
    detail_is(C_BADGE, 0, 0);
    FAILS(BST_E_ILLEGAL_OPERATION, env_mint(102, 101, BST_RIGHTS_ALL, 0, 0));
    OK(env_mint(102, 101, BST_RIGHTS_ALL, 7, 0)); /* the same badge again is a copy */
    assert_int_equal(CAP(102)->w2, 7);
    OK(env_copy(103, 101, BST_RIGHTS_ALL));
    assert_int_equal(CAP(103)->w2, 7); /* copies keep the badge */
    OK(env_mint(111, 110, BST_RIGHTS_ALL, UINT64_MAX, 0));
    assert_int_equal(CAP(111)->w2, UINT64_MAX);
    /* Other objects take no badge. */
    make(ENV_UT_512K, BST_OBJ_FRAME_4K, 0, 120);
    FAILS(BST_E_INVALID_ARG, env_mint(121, 120, BST_RIGHTS_ALL, 1, 0));
    detail_is(C_BADGE, 0, 0);
    FAILS(BST_E_INVALID_ARG, env_mint(121, BST_CAP_ROOT_TCB, BST_RIGHTS_ALL, 1, 0));
    FAILS(BST_E_INVALID_ARG, env_mint(121, BST_CAP_IRQ_CONTROL, BST_RIGHTS_ALL, 1, 0));
    OK(env_mint(121, 120, BST_RIGHT_READ, 0, 0));
    assert_int_equal(cap_rights(CAP(121)), BST_RIGHT_READ);
}

static void test_mint_cnode_guard(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_CNODE, 4, 100);
    OK(env_mint(101, 100, BST_RIGHTS_ALL, 0, 60));
    assert_int_equal(cap_guard_bits(CAP(101)), 60);
    FAILS(BST_E_RANGE, env_mint(102, 100, BST_RIGHTS_ALL, 0, 61));
    detail_is(C_GUARD_BITS, 0, 60);
    FAILS(BST_E_RANGE, env_mint(102, 100, BST_RIGHTS_ALL, 16, 4));
    detail_is(C_BADGE, 0, 15);
    OK(env_mint(102, 100, BST_RIGHTS_ALL, 15, 4));
    assert_int_equal(CAP(102)->w2, 15);
    OK(env_mint(103, 100, BST_RIGHTS_ALL, (1ull << 60) - 1, 60));
    FAILS(BST_E_RANGE, env_mint(104, 100, BST_RIGHTS_ALL, 1ull << 60, 60));
    /* Guard widths that wrap around when the radix is added. */
    static const uint64_t huge[] = {UINT64_MAX, UINT64_MAX - 3, UINT64_MAX - 60, 1ull << 63, 1ull << 32};
    for (unsigned i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        FAILS(BST_E_RANGE, env_mint(104, 100, BST_RIGHTS_ALL, 0, huge[i]));
        detail_is(C_GUARD_BITS, 0, 60);
        FAILS(BST_E_RANGE, env_mutate(104, 101, 0, huge[i]));
    }
    /* A badge on a CNode is its guard: the root's 52-bit guard of 0 is rebuilt by Mint. */
    OK(env_mint(105, ENV_ROOT, BST_RIGHTS_ALL, 0, 64 - BST_ROOT_CNODE_RADIX));
    OK(ENV_CALL(105, BST_CNODE_COPY, 106, 64, 105, 100, 64, BST_RIGHTS_ALL));
}

/* ---------------------------------------------------------------- CNode: move and mutate */

static void test_move(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 90);
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 91);
    OK(env_copy(101, 100, BST_RIGHTS_ALL));
    OK(env_copy(102, 100, BST_RIGHTS_ALL));
    struct slot *prev = S(100)->prev_sibling, *next = S(100)->next_sibling;
    struct cap c = *CAP(100);
    OK(env_move(200, 100));
    assert_true(cap_is_null(CAP(100)));
    assert_null(S(100)->parent);
    assert_memory_equal(CAP(200), &c, sizeof(c));
    assert_ptr_equal(S(200)->parent, S(ENV_UT_512K));
    assert_ptr_equal(S(200)->prev_sibling, prev);
    assert_ptr_equal(S(200)->next_sibling, next);
    assert_ptr_equal(S(101)->parent, S(200));
    assert_ptr_equal(S(102)->parent, S(200));
    /* An untyped moves with its children and its watermark. */
    uint64_t w2 = CAP(ENV_UT_512K)->w2;
    OK(env_move(300, ENV_UT_512K));
    assert_int_equal(CAP(300)->w2, w2);
    assert_ptr_equal(S(200)->parent, S(300));
    make(300, BST_OBJ_ENDPOINT, 0, 103);
    assert_int_equal(CAP(103)->paddr, UT(ENV_UT_512K).paddr + w2);
    FAILS(BST_E_DELETE_FIRST, env_move(101, 102));
    FAILS(BST_E_DELETE_FIRST, env_move(101, 101));
    FAILS(BST_E_INVALID_CAP, env_move(104, 100));
    FAILS(BST_E_RANGE, env_move(0, 101));
    FAILS(BST_E_RANGE, env_move(104, 0));
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_ROOT, BST_CNODE_MOVE, 104, 64, ENV_ROOT, 101));
    detail_is(BST_ARG_NONE, 5, BST_MSG_MAX_WORDS);
    /* The invoked CNode cap itself can move away. */
    OK(env_copy(400, ENV_ROOT, BST_RIGHTS_ALL));
    OK(ENV_CALL(400, BST_CNODE_MOVE, 401, 64, ENV_ROOT, 400, 64));
    assert_true(cap_is_null(CAP(400)));
    assert_int_equal(cap_type(CAP(401)), BST_OBJ_CNODE);
}

static void test_mutate(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    OK(env_mutate(101, 100, 9, 0));
    assert_true(cap_is_null(CAP(100)));
    assert_int_equal(CAP(101)->w2, 9);
    assert_ptr_equal(S(101)->parent, S(ENV_UT_512K));
    assert_int_equal(cap_rights(CAP(101)), BST_RIGHTS_ALL);
    FAILS(BST_E_ILLEGAL_OPERATION, env_mutate(102, 101, 10, 0));
    detail_is(M_BADGE, 0, 0);
    OK(env_copy(102, 101, BST_RIGHTS_ALL));
    FAILS(BST_E_REVOKE_FIRST, env_mutate(103, 101, 9, 0));
    detail_is(C_SRC_INDEX, 0, 0);
    OK(env_mutate(103, 102, 9, 0)); /* a leaf */
    /* A CNode with children may change its guard: the children are caps of their own. */
    make(ENV_UT_512K, BST_OBJ_CNODE, 3, 110);
    OK(env_copy(111, 110, BST_RIGHTS_ALL));
    OK(env_mutate(112, 110, 0x15, 61));
    assert_int_equal(cap_guard_bits(CAP(112)), 61);
    assert_int_equal(CAP(112)->w2, 0x15);
    assert_ptr_equal(S(111)->parent, S(112));
    assert_int_equal(cap_guard_bits(CAP(111)), 0);
    FAILS(BST_E_RANGE, env_mutate(113, 112, 0, 62));
    detail_is(M_GUARD_BITS, 0, 61);
    FAILS(BST_E_RANGE, env_mutate(113, 112, 1ull << 61, 61));
    detail_is(M_BADGE, 0, (1ull << 61) - 1);
    make(ENV_UT_512K, BST_OBJ_FRAME_4K, 0, 120);
    FAILS(BST_E_INVALID_ARG, env_mutate(121, 120, 1, 0));
    detail_is(M_BADGE, 0, 0);
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_ROOT, BST_CNODE_MUTATE, 121, 64, ENV_ROOT, 120, 64, 0));
    detail_is(BST_ARG_NONE, 7, BST_MSG_MAX_WORDS);
    OK(env_mutate(121, 120, 0, 0));
    /* An untyped can be mutated (badge 0) only without children. */
    FAILS(BST_E_REVOKE_FIRST, env_mutate(130, ENV_UT_512K, 0, 0));
    OK(env_mutate(130, ENV_UT_8M, 0, 0));
    assert_int_equal(CAP(130)->paddr, UT(ENV_UT_8M).paddr);
}

/* ---------------------------------------------------------------- delete and revoke */

static void test_delete(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    OK(env_copy(101, 100, BST_RIGHTS_ALL));
    OK(env_mint(102, 101, BST_RIGHTS_ALL, 5, 0));
    env_events_clear();
    OK(env_delete(100));
    assert_int_equal(env_event_count, 0);
    assert_ptr_equal(S(101)->parent, S(ENV_UT_512K)); /* took the original's place */
    OK(env_delete(101));
    assert_int_equal(env_event_count, 0);
    assert_true(cdt_is_final(S(102)));
    struct cap last = *CAP(102);
    OK(env_delete(102));
    assert_int_equal(env_hook_count(HOOK_ENDPOINT_FINALISE), 1);
    assert_int_equal(env_final_events_for(&last), 1);
    assert_int_equal(env_events[0].cap.w2, 5); /* the hook saw the cap it deleted */
    assert_false(cdt_has_children(S(ENV_UT_512K)));
    FAILS(BST_E_INVALID_CAP, env_delete(102));
    detail_is(0, 0, 0);
    FAILS(BST_E_RANGE, env_delete(0));
    FAILS(BST_E_RANGE, ENV_CALL(ENV_ROOT, BST_CNODE_DELETE, 102, 0));
    detail_is(1, 1, 64);
    FAILS(BST_E_LOOKUP_FAILED, env_delete(1ull << 20));
    FAILS(BST_E_TRUNCATED, ENV_CALL(ENV_ROOT, BST_CNODE_DELETE, 102));
    /* Untyped with children: revoke first. Without: fine. */
    make(ENV_UT_4M, BST_OBJ_ENDPOINT, 0, 110);
    FAILS(BST_E_REVOKE_FIRST, env_delete(ENV_UT_4M));
    OK(env_delete(ENV_UT_8M));
    assert_true(cap_is_null(CAP(ENV_UT_8M)));
    /* Each hook: the notification, the TCB, paging structures, frames. */
    make(ENV_UT_4M, BST_OBJ_NOTIFICATION, 0, 120);
    make(ENV_UT_4M, BST_OBJ_TCB, 0, 121);
    make(ENV_UT_4M, BST_OBJ_PAGE_TABLE, 0, 122);
    make(ENV_UT_4M, BST_OBJ_FRAME_2M, 0, 123);
    OK(env_copy(124, 122, BST_RIGHTS_ALL));
    env_events_clear();
    OK(env_delete(120));
    OK(env_delete(121));
    OK(env_delete(122));
    OK(env_delete(123));
    assert_int_equal(env_hook_count(HOOK_NOTIFICATION_FINALISE), 1);
    assert_int_equal(env_hook_count(HOOK_TCB_FINALISE), 1);
    assert_int_equal(env_hook_count(HOOK_PAGE_TABLE_DELETED), 1);
    assert_false(env_events[2].final); /* the copy in 124 lives on */
    assert_int_equal(env_hook_count(HOOK_FRAME_DELETED), 1);
    OK(env_delete(124));
    assert_true(env_events[env_event_count - 1].final);
}

static void test_delete_boot_caps(void **state)
{
    (void)state;
    /* The invoked root CNode cap may delete itself: the TCB's copy keeps the CSpace alive. */
    OK(env_delete(ENV_ROOT));
    assert_true(cap_is_null(CAP(ENV_ROOT)));
    assert_ptr_equal(env_caller->cspace_root.parent, &cdt_boot_root);
    assert_int_equal(env_event_count, 0);
    /* The invoked cap is gone now: nothing can be done through cptr 2. */
    FAILS(BST_E_INVALID_CAP, env_delete(ENV_ROOT));
    FAILS(BST_E_INVALID_CAP, env_copy(100, BST_CAP_IRQ_CONTROL, BST_RIGHTS_ALL));
}

static void test_delete_caller_tcb(void **state)
{
    (void)state;
    OK(env_delete(BST_CAP_ROOT_TCB));
    assert_int_equal(env_hook_count(HOOK_TCB_FINALISE), 1);
    assert_int_equal(env_events[0].cap.paddr, ENV_TCB_PADDR);
    /* Its exchange frame copy went (unmapped: the frame hook), the CSpace copy too. */
    assert_int_equal(env_hook_count(HOOK_FRAME_DELETED), 1);
    for (unsigned i = 0; i < TCB_CAP_SLOTS; i++)
        assert_true(cap_is_null(&tcb_cap_slots(env_caller)[i].cap));
    assert_false(cap_is_null(CAP(ENV_ROOT)));
    assert_false(cap_is_null(CAP(BST_CAP_ROOT_EXCHANGE)));
    assert_int_equal(env_final_events_for(CAP(ENV_ROOT)), 0);
    check_tree();
    /* With no CSpace left the thread can name nothing. */
    assert_int_equal(env_delete(100), BST_E_LOOKUP_FAILED);
}

static void test_revoke_middle_of_tree(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);  /* a */
    OK(env_copy(101, 100, BST_RIGHTS_ALL));       /* b = copy(a) */
    OK(env_copy(102, 101, BST_RIGHTS_ALL));       /* c = copy(b) */
    OK(env_mint(103, 101, BST_RIGHTS_ALL, 3, 0)); /* d = mint(b) */
    OK(env_copy(104, 100, BST_RIGHTS_ALL));       /* e = copy(a) */
    OK(env_copy(105, 102, BST_RIGHTS_ALL));       /* f = copy(c) */
    OK(env_copy(106, 103, BST_RIGHTS_ALL));       /* g = copy(d) */
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 107);  /* another object */
    env_events_clear();
    OK(env_revoke(101));
    assert_int_equal(env_event_count, 0);
    for (unsigned i = 102; i <= 106; i++)
        assert_true(cap_is_null(CAP(i)) == (i != 104));
    assert_false(cap_is_null(CAP(100)));
    assert_false(cap_is_null(CAP(101)));
    assert_false(cap_is_null(CAP(107)));
    assert_false(cdt_has_children(S(101)));
    assert_ptr_equal(S(101)->parent, S(100));
    assert_ptr_equal(S(104)->parent, S(100));
    /* Revoking a leaf does nothing; an empty slot is an error. */
    struct env_snapshot *snap = env_snapshot_take();
    OK(env_revoke(104));
    assert_true(env_snapshot_equal(snap));
    env_snapshot_free(snap);
    FAILS(BST_E_INVALID_CAP, env_revoke(102));
    FAILS(BST_E_RANGE, env_revoke(0));
    /* Revoking the original leaves it the only cap: deleting it then finalises. */
    OK(env_revoke(100));
    assert_true(cdt_is_final(S(100)));
    assert_int_equal(env_event_count, 0);
    OK(env_delete(100));
    assert_int_equal(env_hook_count(HOOK_ENDPOINT_FINALISE), 1);
}

static void test_revoke_untyped_fires_hooks_once(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_4M;
    make(ut, BST_OBJ_ENDPOINT, 0, 100);
    make(ut, BST_OBJ_NOTIFICATION, 0, 101);
    make(ut, BST_OBJ_TCB, 0, 102);
    make(ut, BST_OBJ_PAGE_TABLE, 0, 103);
    make(ut, BST_OBJ_PML4, 0, 104);
    make(ut, BST_OBJ_FRAME_4K, 0, 105);
    make(ut, BST_OBJ_CNODE, 3, 106);
    make(ut, BST_OBJ_UNTYPED, 16, 107);
    make(107, BST_OBJ_ENDPOINT, 0, 108);
    struct cap objects[9];
    for (unsigned i = 0; i < 9; i++) {
        objects[i] = *CAP(100 + i);
        if (i != 7) /* untyped caps cannot be copied */
            OK(env_copy(200 + i, 100 + i, BST_RIGHTS_ALL));
        if (i != 7)
            OK(env_copy(300 + i, 200 + i, BST_RIGHT_READ));
    }
    env_events_clear();
    OK(env_revoke(ut));
    assert_false(cdt_has_children(S(ut)));
    for (unsigned i = 0; i < 9; i++) {
        assert_true(cap_is_null(CAP(100 + i)));
        assert_true(cap_is_null(CAP(200 + i)));
        assert_true(cap_is_null(CAP(300 + i)));
    }
    static const enum bst_object_type with_final_hook[] = {BST_OBJ_ENDPOINT, BST_OBJ_NOTIFICATION, BST_OBJ_TCB,
                                                           BST_OBJ_PAGE_TABLE, BST_OBJ_PML4};
    for (unsigned i = 0; i < 9; i++) {
        bool hooked = false;
        for (unsigned j = 0; j < 5; j++)
            hooked |= cap_type(&objects[i]) == with_final_hook[j];
        assert_int_equal(env_final_events_for(&objects[i]), hooked ? 1 : 0);
    }
    assert_int_equal(env_hook_count(HOOK_ENDPOINT_FINALISE), 2); /* 100 and 108 */
    assert_int_equal(env_hook_count(HOOK_PAGE_TABLE_DELETED), 6); /* every paging cap */
    assert_int_equal(env_hook_count(HOOK_FRAME_DELETED), 3);
    check_tree();
}

/* ---------------------------------------------------------------- objects holding caps */

static void test_delete_cnode_destroys_contents(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_4M;
    make(ut, BST_OBJ_CNODE, 3, 100);                /* X */
    make(ut, BST_OBJ_ENDPOINT, 0, 101);             /* E: stays in the root too */
    make(ut, BST_OBJ_ENDPOINT, 0, 102);             /* F: only inside X */
    make(ut, BST_OBJ_CNODE, 2, 103);                /* Y: only inside X */
    make(ut, BST_OBJ_NOTIFICATION, 0, 104);         /* G: only inside Y */
    make(ut, BST_OBJ_TCB, 0, 105);                  /* T: only inside X */
    struct cap e = *CAP(101), f = *CAP(102), g = *CAP(104), t = *CAP(105), y = *CAP(103);
    OK(ENV_CALL(100, BST_CNODE_COPY, 1, 3, ENV_ROOT, 101, 64, BST_RIGHTS_ALL));
    OK(ENV_CALL(100, BST_CNODE_MOVE, 2, 3, ENV_ROOT, 102, 64));
    OK(ENV_CALL(103, BST_CNODE_MOVE, 3, 2, ENV_ROOT, 104, 64));
    OK(ENV_CALL(100, BST_CNODE_MOVE, 7, 3, ENV_ROOT, 103, 64));
    OK(ENV_CALL(100, BST_CNODE_MOVE, 4, 3, ENV_ROOT, 105, 64));
    OK(ENV_CALL(100, BST_CNODE_MINT, 5, 3, ENV_ROOT, 101, 64, BST_RIGHTS_ALL, 99, 0));
    struct slot *x = cnode_slots(CAP(100)), *ys = cnode_slots(&y);
    env_events_clear();
    OK(env_delete(100));
    for (unsigned i = 0; i < 8; i++)
        assert_true(cap_is_null(&x[i].cap));
    for (unsigned i = 0; i < 4; i++)
        assert_true(cap_is_null(&ys[i].cap));
    assert_int_equal(env_final_events_for(&e), 0);
    assert_int_equal(env_final_events_for(&f), 1);
    assert_int_equal(env_final_events_for(&g), 1);
    assert_int_equal(env_final_events_for(&t), 1);
    assert_int_equal(env_event_count, 3);
    assert_false(cap_is_null(CAP(101)));
    assert_true(cdt_is_final(S(101)));
    assert_ptr_equal(S(101)->parent, S(ut));
    /* X is off the destruction stack (slot 0 keeps the bookkeeping). */
    assert_null(x[0].parent);
    /* Only E is left of the untyped's objects. */
    assert_ptr_equal(S(ut)->first_child, S(101));
    assert_null(S(101)->next_sibling);
}

static void test_cnode_holding_a_cap_to_itself(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_4M;
    make(ut, BST_OBJ_CNODE, 2, 100);
    make(ut, BST_OBJ_ENDPOINT, 0, 101);
    struct cap x = *CAP(100), ep = *CAP(101);
    OK(ENV_CALL(100, BST_CNODE_COPY, 1, 2, ENV_ROOT, 100, 64, BST_RIGHTS_ALL)); /* X[1] = X */
    OK(ENV_CALL(100, BST_CNODE_MOVE, 2, 2, ENV_ROOT, 101, 64));
    /* Through its own cap: X[1] names X. */
    OK(ENV_CALL(100, BST_CNODE_COPY, 3, 2, 100, 1, 2, BST_RIGHTS_ALL));
    env_events_clear();
    /* The outside cap goes: X lives on through the caps inside it. */
    OK(env_delete(100));
    assert_int_equal(env_event_count, 0);
    struct slot *xs = cnode_slots(&x);
    assert_int_equal(cap_type(&xs[1].cap), BST_OBJ_CNODE);
    assert_ptr_equal(xs[1].parent, S(ut));
    /* Revoking the untyped destroys X through its caps to itself, once. */
    OK(env_revoke(ut));
    for (unsigned i = 0; i < 4; i++)
        assert_true(cap_is_null(&xs[i].cap));
    assert_int_equal(env_final_events_for(&ep), 1);
    assert_int_equal(env_event_count, 1);
    assert_false(cdt_has_children(S(ut)));
}

static void test_cnode_whose_only_cap_is_inside(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_4M;
    make(ut, BST_OBJ_CNODE, 2, 100);
    make(ut, BST_OBJ_NOTIFICATION, 0, 101);
    struct cap x = *CAP(100), n = *CAP(101);
    OK(ENV_CALL(100, BST_CNODE_MOVE, 2, 2, ENV_ROOT, 101, 64));
    OK(ENV_CALL(100, BST_CNODE_MOVE, 1, 2, ENV_ROOT, 100, 64)); /* X moves into itself */
    assert_true(cap_is_null(CAP(100)));
    struct slot *xs = cnode_slots(&x);
    assert_true(cdt_is_final(&xs[1]));
    /* Unreachable now, but not lost: revoking the untyped destroys X and what it holds. */
    env_events_clear();
    OK(env_revoke(ut));
    assert_true(cap_is_null(&xs[1].cap) && cap_is_null(&xs[2].cap));
    assert_int_equal(env_final_events_for(&n), 1);
    assert_int_equal(env_event_count, 1);
}

static void test_revoke_untyped_kept_inside_its_child(void **state)
{
    (void)state;
    /* U2 (child of U) holds a CNode X; U2's own cap is moved into X. Revoking U from the
     * root destroys X, which deletes U2's cap from inside the dying X. */
    make(ENV_UT_4M, BST_OBJ_UNTYPED, 16, 100); /* U2 */
    make(100, BST_OBJ_CNODE, 2, 101);          /* X */
    make(100, BST_OBJ_ENDPOINT, 0, 102);
    struct cap ep = *CAP(102);
    OK(ENV_CALL(101, BST_CNODE_MOVE, 1, 2, ENV_ROOT, 100, 64));
    OK(ENV_CALL(101, BST_CNODE_MOVE, 2, 2, ENV_ROOT, 102, 64));
    env_events_clear();
    OK(env_revoke(ENV_UT_4M));
    assert_false(cdt_has_children(S(ENV_UT_4M)));
    assert_int_equal(env_final_events_for(&ep), 1);
    assert_int_equal(env_event_count, 1);
    /* And the memory is whole again. */
    make(ENV_UT_4M, BST_OBJ_FRAME_4K, 0, 103);
    assert_int_equal(CAP(103)->paddr, UT(ENV_UT_4M).paddr);
}

static void test_delete_tcb_empties_its_slots(void **state)
{
    (void)state;
    unsigned ut = ENV_UT_4M;
    make(ut, BST_OBJ_TCB, 0, 100);
    make(ut, BST_OBJ_ENDPOINT, 0, 101);
    make(ut, BST_OBJ_CNODE, 2, 102);
    make(ut, BST_OBJ_NOTIFICATION, 0, 103);
    struct cap ep = *CAP(101), cn = *CAP(102), ntfn = *CAP(103), tcb_cap = *CAP(100);
    OK(ENV_CALL(102, BST_CNODE_MOVE, 1, 2, ENV_ROOT, 103, 64));
    /* What TCB_Configure does: the TCB holds caps as children of the configured ones. */
    struct tcb *t = arch_phys_to_virt(CAP(100)->paddr);
    t->fault_endpoint.cap = *CAP(101);
    cdt_insert_child(S(101), &t->fault_endpoint);
    cdt_move(&t->cspace_root, S(102)); /* the CNode's only cap is the TCB's */
    check_tree();
    env_events_clear();
    OK(env_delete(100));
    assert_int_equal(env_final_events_for(&tcb_cap), 1);
    assert_int_equal(env_final_events_for(&ntfn), 1);
    assert_int_equal(env_final_events_for(&ep), 0);
    assert_int_equal(env_event_count, 2);
    for (unsigned i = 0; i < TCB_CAP_SLOTS; i++)
        assert_true(cap_is_null(&tcb_cap_slots(t)[i].cap));
    assert_true(cap_is_null(&cnode_slots(&cn)[1].cap));
    assert_true(cdt_is_final(S(101)));
    /* The TCB is inert again: destroyed containers leave no bookkeeping behind. */
    assert_int_equal(t->container.slot_count, 0);
    assert_null(t->container.destroy_next);
}

/* Runs one call on a thread with a small stack: destruction must not recurse per level. */
struct small_call {
    uint64_t cptr, label;
    unsigned n;
    const uint64_t *words;
    enum bst_error result;
};

static void *small_call_main(void *p)
{
    struct small_call *c = p;
    c->result = env_call(c->cptr, c->label, c->n, c->words);
    return NULL;
}

#define SMALL_STACK (64u << 10)

static enum bst_error call_on_small_stack(uint64_t cptr, uint64_t label, unsigned n, const uint64_t *words)
{
    struct small_call c = {cptr, label, n, words, BST_E_COUNT};
    pthread_attr_t attr;
    pthread_t thread;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&thread, &attr, small_call_main, &c), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);
    return c.result;
}

#define CHAIN 1000
#define CHAIN_FIRST 1000

/* CNodes C_0 .. C_{n-1} of radix 1 with C_{i+1}'s only cap in C_i[1]; an endpoint in C_{n-1}[1]. */
static void build_chain(unsigned ut, unsigned n, struct cap *ep)
{
    for (unsigned made = 0; made < n; made += BST_RETYPE_MAX_COUNT)
        OK(env_retype(ut, BST_OBJ_CNODE, 1, CHAIN_FIRST + made,
                      n - made < BST_RETYPE_MAX_COUNT ? n - made : BST_RETYPE_MAX_COUNT));
    make(ut, BST_OBJ_ENDPOINT, 0, 100);
    *ep = *CAP(100);
    OK(ENV_CALL(CHAIN_FIRST + n - 1, BST_CNODE_MOVE, 1, 1, ENV_ROOT, 100, 64));
    for (unsigned i = n - 1; i-- > 0;)
        assert_int_equal(ENV_CALL(CHAIN_FIRST + i, BST_CNODE_MOVE, 1, 1, ENV_ROOT, CHAIN_FIRST + i + 1, 64), BST_OK);
    check_tree();
    for (unsigned i = 1; i < n; i++)
        assert_true(cap_is_null(CAP(CHAIN_FIRST + i)));
}

static void test_delete_chain_of_nested_cnodes(void **state)
{
    (void)state;
    struct cap ep, first;
    build_chain(ENV_UT_4M, CHAIN, &ep);
    first = *CAP(CHAIN_FIRST);
    env_events_clear();
    uint64_t words[] = {CHAIN_FIRST, 64};
    assert_int_equal(call_on_small_stack(ENV_ROOT, BST_CNODE_DELETE, 2, words), BST_OK);
    check_tree();
    assert_int_equal(env_final_events_for(&ep), 1);
    assert_int_equal(env_event_count, 1);
    assert_false(cdt_has_children(S(ENV_UT_4M)));
    for (unsigned i = 0; i < CHAIN; i++) {
        struct slot *cs = arch_phys_to_virt(first.paddr + i * 128);
        assert_true(cap_is_null(&cs[1].cap));
        assert_null(cs[0].parent); /* container state cleared */
    }
}

static void test_revoke_chain_of_nested_cnodes(void **state)
{
    (void)state;
    struct cap ep;
    build_chain(ENV_UT_4M, CHAIN, &ep);
    env_events_clear();
    uint64_t words[] = {ENV_UT_4M, 64};
    assert_int_equal(call_on_small_stack(ENV_ROOT, BST_CNODE_REVOKE, 2, words), BST_OK);
    check_tree();
    assert_int_equal(env_final_events_for(&ep), 1);
    assert_int_equal(env_event_count, 1);
    assert_false(cdt_has_children(S(ENV_UT_4M)));
}

static void test_revoke_deep_copy_chain(void **state)
{
    (void)state;
    /* Copies of copies, 1000 deep, spread over root slots. */
    make(ENV_UT_512K, BST_OBJ_NOTIFICATION, 0, 100);
    for (unsigned i = 1; i < 1000; i++)
        assert_int_equal(env_copy(100 + i, 100 + i - 1, BST_RIGHTS_ALL), BST_OK);
    check_tree();
    env_events_clear();
    uint64_t words[] = {100, 64};
    assert_int_equal(call_on_small_stack(ENV_ROOT, BST_CNODE_REVOKE, 2, words), BST_OK);
    assert_int_equal(env_event_count, 0);
    for (unsigned i = 1; i < 1000; i++)
        assert_true(cap_is_null(CAP(100 + i)));
    assert_true(cdt_is_final(S(100)));
    check_tree();
}

/* ---------------------------------------------------------------- the syscall path */

static void test_invoke_syscall_paths(void **state)
{
    (void)state;
    uint64_t regs[4] = {0};
    /* A message longer than 64 words. */
    struct env_snapshot *snap = env_snapshot_take();
    invoke_syscall(env_caller, ENV_UT_512K, bst_msginfo(BST_UNTYPED_RETYPE, 0, 65), regs);
    assert_int_equal(env_caller->context.rax, BST_E_RANGE);
    assert_int_equal(env_detail()->max, BST_MSG_MAX_WORDS);
    assert_true(env_snapshot_equal(snap));
    env_snapshot_free(snap);
    /* Empty, missing and unsupported caps. */
    FAILS(BST_E_INVALID_CAP, ENV_CALL(500, BST_CNODE_DELETE, 1, 64));
    detail_is(BST_ARG_NONE, 0, 0);
    FAILS(BST_E_LOOKUP_FAILED, ENV_CALL(1ull << 63, BST_CNODE_DELETE, 1, 64));
    assert_int_equal(env_detail()->bits_resolved, 0);
    FAILS(BST_E_NOT_SUPPORTED, ENV_CALL(BST_CAP_IRQ_CONTROL, BST_CNODE_DELETE, 1, 64));
    FAILS(BST_E_NOT_SUPPORTED, ENV_CALL(ENV_ROOT, BST_UNTYPED_RETYPE, 1, 64));
    FAILS(BST_E_NOT_SUPPORTED, ENV_CALL(ENV_ROOT, 1000, 1, 64));
    FAILS(BST_E_NOT_SUPPORTED, ENV_CALL(ENV_UT_512K, BST_CNODE_COPY, 1, 64));
    FAILS(BST_E_NOT_SUPPORTED, env_call(ENV_UT_512K, BST_INV_NONE, 0, NULL));
    /* Words beyond the registers come from the exchange frame; without one, nothing works. */
    lose_exchange();
    snap = env_snapshot_take();
    invoke_syscall(env_caller, ENV_UT_512K, bst_msginfo(BST_UNTYPED_RETYPE, 0, 7), regs);
    assert_int_equal(env_caller->context.rax, BST_E_NO_EXCHANGE);
    assert_true(env_snapshot_equal(snap));
    env_snapshot_free(snap);
}

static void test_invoke_syscall_without_exchange(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    lose_exchange();
    uint64_t regs[4] = {100, 64, 0, 0};
    invoke_syscall(env_caller, ENV_ROOT, bst_msginfo(BST_CNODE_DELETE, 0, 2), regs);
    assert_int_equal(env_caller->context.rax, BST_OK);
    assert_true(cap_is_null(CAP(100)));
    check_tree();
}

static void test_handlers_directly(void **state)
{
    (void)state;
    /* The object handlers with a hand-built invocation, as invoke_syscall builds it. */
    struct invocation inv = {.caller = env_caller, .slot = S(ENV_UT_512K), .cptr = ENV_UT_512K,
                             .label = BST_UNTYPED_RETYPE, .length = 7,
                             .mr = {BST_OBJ_NOTIFICATION, 0, ENV_ROOT, 0, 0, 300, 2}};
    assert_int_equal(untyped_invoke(&inv), BST_OK);
    assert_int_equal(inv.out_length, 0);
    assert_int_equal(cap_type(CAP(300)), BST_OBJ_NOTIFICATION);
    assert_int_equal(cap_type(CAP(301)), BST_OBJ_NOTIFICATION);
    check_tree();
    inv = (struct invocation){.caller = env_caller, .slot = S(ENV_UT_512K), .label = BST_UNTYPED_RETYPE,
                              .length = 7, .mr = {BST_OBJ_NOTIFICATION, 0, ENV_ROOT, 0, 0, 301, 1}};
    assert_int_equal(untyped_invoke(&inv), BST_E_DELETE_FIRST);
    assert_int_equal(inv.detail.code, BST_E_DELETE_FIRST);
    assert_int_equal(inv.detail.argument, R_OFFSET);
    assert_int_equal(inv.detail.min, 301);
    inv = (struct invocation){.caller = env_caller, .slot = S(ENV_ROOT), .label = BST_CNODE_MINT, .length = 8,
                              .mr = {302, 64, ENV_ROOT, 300, 64, BST_RIGHT_READ, 77, 0}};
    assert_int_equal(cnode_invoke(&inv), BST_OK);
    assert_int_equal(CAP(302)->w2, 77);
    assert_ptr_equal(S(302)->parent, S(300));
    inv = (struct invocation){.caller = env_caller, .slot = S(ENV_ROOT), .label = BST_CNODE_REVOKE, .length = 2,
                              .mr = {300, 64}};
    assert_int_equal(cnode_invoke(&inv), BST_OK);
    assert_true(cap_is_null(CAP(302)));
    inv = (struct invocation){.caller = env_caller, .slot = S(ENV_ROOT), .label = BST_CNODE_DELETE, .length = 1};
    assert_int_equal(cnode_invoke(&inv), BST_E_TRUNCATED);
    assert_int_equal(inv.detail.min, 2);
    check_tree();
}

/* ---------------------------------------------------------------- the checker itself */

static void test_invariant_checker_sees_corruption(void **state)
{
    (void)state;
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 100);
    make(ENV_UT_512K, BST_OBJ_ENDPOINT, 0, 101);
    OK(env_copy(102, 100, BST_RIGHT_READ));
    /* A broken back link. */
    struct slot *saved = S(100)->prev_sibling;
    S(100)->prev_sibling = S(102);
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    S(100)->prev_sibling = saved;
    check_tree();
    /* A derived cap with more rights than its parent. */
    cap_set_rights(CAP(102), BST_RIGHTS_ALL);
    cap_set_rights(CAP(100), BST_RIGHT_READ);
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    cap_set_rights(CAP(100), BST_RIGHTS_ALL);
    /* An object outside its untyped, or above the watermark. */
    CAP(101)->paddr += 1ull << 19;
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    CAP(101)->paddr -= 1ull << 19;
    CAP(ENV_UT_512K)->w2 = 32;
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    CAP(ENV_UT_512K)->w2 = 64;
    /* Two objects overlapping. */
    CAP(101)->paddr = CAP(100)->paddr;
    CAP(101)->w0 = cap_make(BST_OBJ_NOTIFICATION, BST_RIGHTS_ALL, 0, 0).w0;
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
}

/* A cap written straight into a slot (as a stale exchange frame once allowed) is outside the tree. */
static void test_invariant_checker_sees_forged_caps(void **state)
{
    (void)state;
    check_tree();
    struct slot *s = S(200);
    assert_true(cap_is_null(&s->cap));
    s->cap = cap_make(BST_OBJ_FRAME_4K, BST_RIGHTS_ALL, 0, 0x1000); /* no links at all */
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    /* Link words that point anywhere are not followed. */
    s->parent = (struct slot *)0xdeadbeef000ull;
    s->prev_sibling = (struct slot *)0x123;
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    /* Links that point into the tree without being linked back are caught too. */
    s->parent = S(BST_CAP_ROOT_CNODE);
    s->prev_sibling = 0;
    assert_true(invariants_check_tree(&cdt_boot_root) > 0);
    memset(s, 0, sizeof(*s));
    check_tree();
}

#define T(f) cmocka_unit_test_setup(f, boot)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_retype_endpoints),
        T(test_retype_every_type),
        T(test_retype_bad_type),
        T(test_retype_size_bits_range),
        T(test_retype_count_range),
        T(test_retype_destination),
        T(test_retype_no_memory),
        T(test_retype_device_untyped),
        T(test_retype_after_revoke_reuses_memory),
        T(test_split_untyped),
        T(test_copy_rights_shrink),
        T(test_copy_errors),
        T(test_rights_of_invoked_untyped_and_cnode),
        T(test_lookup_failures_bits_resolved),
        T(test_mint_badges),
        T(test_mint_cnode_guard),
        T(test_move),
        T(test_mutate),
        T(test_delete),
        T(test_delete_boot_caps),
        T(test_delete_caller_tcb),
        T(test_revoke_middle_of_tree),
        T(test_revoke_untyped_fires_hooks_once),
        T(test_delete_cnode_destroys_contents),
        T(test_cnode_holding_a_cap_to_itself),
        T(test_cnode_whose_only_cap_is_inside),
        T(test_revoke_untyped_kept_inside_its_child),
        T(test_delete_tcb_empties_its_slots),
        T(test_delete_chain_of_nested_cnodes),
        T(test_revoke_chain_of_nested_cnodes),
        T(test_revoke_deep_copy_chain),
        T(test_invoke_syscall_paths),
        T(test_invoke_syscall_without_exchange),
        T(test_handlers_directly),
    T(test_invariant_checker_sees_corruption),
    T(test_invariant_checker_sees_forged_caps),
    };
    return cmocka_run_group_tests_name("invoke", tests, group_setup, group_teardown);
}
