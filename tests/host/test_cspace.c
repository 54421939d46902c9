/*
 * Host tests of kernel/core/cspace.c: the guarded radix-tree lookup. CNodes
 * live in the simulated physical arena of tests/host/cap_env.c; the caps are
 * built by hand so that every guard, radix and depth case is explicit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tests/host/cap_env.h"

static struct cap cnode_at(uint64_t paddr, unsigned radix, unsigned guard_bits, uint64_t guard)
{
    memset(env_mem(paddr), 0, (size_t)1 << (radix + BST_SLOT_SIZE_BITS));
    struct cap c = cap_make(BST_OBJ_CNODE, BST_RIGHTS_ALL, radix, paddr);
    cap_set_guard_bits(&c, guard_bits);
    c.w2 = guard;
    return c;
}

static struct slot *slots_at(uint64_t paddr) { return (struct slot *)env_mem(paddr); }

static void assert_found(struct lookup_result r, struct slot *slot, unsigned bits, uint64_t index)
{
    assert_int_equal(r.error, BST_OK);
    assert_ptr_equal(r.slot, slot);
    assert_int_equal(r.bits_resolved, bits);
    assert_int_equal(r.index, index);
}

static void assert_failed(struct lookup_result r, unsigned bits_resolved)
{
    assert_int_equal(r.error, BST_E_LOOKUP_FAILED);
    assert_null(r.slot);
    assert_int_equal(r.bits_resolved, bits_resolved);
}

#define A 0x100000ull /* first CNode */
#define B 0x110000ull /* second */
#define C 0x120000ull /* third */

static int setup(void **state)
{
    (void)state;
    env_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    env_fini();
    return 0;
}

/* ---- one level */

static void test_flat_guard_52(void **state)
{
    (void)state;
    /* As the root task's CSpace: radix 12, a 52-bit guard of 0, so slot numbers are cptrs. */
    struct cap root = cnode_at(A, 12, 52, 0);
    static const uint64_t n[] = {1, 2, 7, 100, 4095};
    for (unsigned i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
        assert_found(cspace_lookup(&root, n[i], 64, true), &slots_at(A)[n[i]], 64, n[i]);
        assert_found(cspace_lookup(&root, n[i], 64, false), &slots_at(A)[n[i]], 64, n[i]);
    }
    /* Any bit above the slot number breaks the guard: nothing resolved. */
    assert_failed(cspace_lookup(&root, 4096, 64, true), 0);
    assert_failed(cspace_lookup(&root, 1ull << 63, 64, false), 0);
    assert_failed(cspace_lookup(&root, ~0ull, 64, false), 0);
}

static void test_flat_guard_value(void **state)
{
    (void)state;
    struct cap root = cnode_at(A, 8, 56, 0xabcdefull);
    uint64_t base = 0xabcdefull << 8;
    assert_found(cspace_lookup(&root, base | 0x42, 64, true), &slots_at(A)[0x42], 64, 0x42);
    assert_failed(cspace_lookup(&root, 0x42, 64, true), 0);
    assert_failed(cspace_lookup(&root, (base ^ (1ull << 63)) | 0x42, 64, true), 0);
    assert_failed(cspace_lookup(&root, (base ^ (1ull << 8)) | 0x42, 64, true), 0);
}

static void test_widest_guard(void **state)
{
    (void)state;
    /* Radix 1 with a 63-bit guard: every bit but the last is guard. */
    uint64_t guard = 0x5555555555555555ull >> 1;
    struct cap root = cnode_at(A, 1, 63, guard);
    assert_found(cspace_lookup(&root, guard << 1 | 1, 64, true), &slots_at(A)[1], 64, 1);
    assert_failed(cspace_lookup(&root, (guard ^ 1) << 1 | 1, 64, true), 0);
}

static void test_index_zero_is_reported(void **state)
{
    (void)state;
    /* The lookup itself finds slot 0; callers refuse it by result.index. */
    struct cap root = cnode_at(A, 12, 52, 0);
    assert_found(cspace_lookup(&root, 0, 64, true), &slots_at(A)[0], 64, CNODE_RESERVED_INDEX);
    assert_true(cap_is_null(&cspace_lookup(&root, 0, 64, false).slot->cap));
}

static void test_depth_out_of_range(void **state)
{
    (void)state;
    struct cap root = cnode_at(A, 12, 52, 0);
    assert_failed(cspace_lookup(&root, 1, 0, true), 0);
    assert_failed(cspace_lookup(&root, 1, 0, false), 0);
    assert_failed(cspace_lookup(&root, 1, 65, true), 0);
    assert_failed(cspace_lookup(&root, 1, 200, false), 0);
    /* Less than the root's guard + radix: nothing can be resolved. */
    assert_failed(cspace_lookup(&root, 1, 63, true), 0);
    assert_failed(cspace_lookup(&root, 1, 12, true), 0);
}

static void test_root_not_a_cnode(void **state)
{
    (void)state;
    struct cap ep = cap_make(BST_OBJ_ENDPOINT, BST_RIGHTS_ALL, 0, A);
    struct cap null = {0, 0, 0, 0};
    assert_failed(cspace_lookup(&ep, 1, 64, false), 0);
    assert_failed(cspace_lookup(&null, 1, 64, true), 0);
}

/* ---- two levels: root (guard 8 bits = 0x5a, radix 4) -> slot 3 (guard 46 bits, radix 6) */

#define G1 0x5aull
#define G2 0x1234abcdull

static struct cap two_levels(void)
{
    struct cap root = cnode_at(A, 4, 8, G1);
    slots_at(A)[3].cap = cnode_at(B, 6, 46, G2);
    slots_at(A)[5].cap = cap_make(BST_OBJ_ENDPOINT, BST_RIGHTS_ALL, 0, C);
    return root;
}

static uint64_t addr2(uint64_t first, uint64_t second) { return G1 << 56 | first << 52 | G2 << 6 | second; }

static void test_two_levels(void **state)
{
    (void)state;
    struct cap root = two_levels();
    assert_found(cspace_lookup(&root, addr2(3, 17), 64, true), &slots_at(B)[17], 64, 17);
    assert_found(cspace_lookup(&root, addr2(3, 63), 64, false), &slots_at(B)[63], 64, 63);
    assert_found(cspace_lookup(&root, addr2(3, 0), 64, true), &slots_at(B)[0], 64, 0);
}

static void test_two_levels_guard_mismatch(void **state)
{
    (void)state;
    struct cap root = two_levels();
    /* First level: nothing resolved. */
    assert_failed(cspace_lookup(&root, addr2(3, 17) ^ (1ull << 60), 64, true), 0);
    assert_failed(cspace_lookup(&root, addr2(3, 17) ^ (1ull << 56), 64, false), 0);
    /* Second level: the 12 bits of the root were resolved. */
    assert_failed(cspace_lookup(&root, addr2(3, 17) ^ (1ull << 6), 64, true), 12);
    assert_failed(cspace_lookup(&root, addr2(3, 17) ^ (1ull << 51), 64, false), 12);
}

static void test_two_levels_depth(void **state)
{
    (void)state;
    struct cap root = two_levels();
    /* Depth 12 names the root's slot 3 itself (the CNode cap), not its contents. */
    assert_found(cspace_lookup(&root, G1 << 4 | 3, 12, true), &slots_at(A)[3], 12, 3);
    assert_found(cspace_lookup(&root, G1 << 4 | 3, 12, false), &slots_at(A)[3], 12, 3);
    /* Too small for the root. */
    assert_failed(cspace_lookup(&root, G1 << 3 | 1, 11, true), 0);
    /* Past the root but too small for the second level (needs 52 more). */
    assert_failed(cspace_lookup(&root, (G1 << 4 | 3) << 8, 20, true), 12);
    assert_failed(cspace_lookup(&root, addr2(3, 17) >> 1, 63, true), 12);
    /* Too large. */
    assert_failed(cspace_lookup(&root, addr2(3, 17), 65, true), 0);
}

static void test_stop_at_non_cnode(void **state)
{
    (void)state;
    struct cap root = two_levels();
    uint64_t through_ep = G1 << 56 | 5ull << 52 | 0x123;
    uint64_t through_empty = G1 << 56 | 6ull << 52;
    /* Exact lookups need all 64 bits: the endpoint leaves 52 unresolved. */
    assert_failed(cspace_lookup(&root, through_ep, 64, true), 12);
    assert_failed(cspace_lookup(&root, through_empty, 64, true), 12);
    /* Capability lookups stop at the first slot that is not a CNode. */
    assert_found(cspace_lookup(&root, through_ep, 64, false), &slots_at(A)[5], 12, 5);
    assert_found(cspace_lookup(&root, through_empty, 64, false), &slots_at(A)[6], 12, 6);
}

static void test_three_levels_short_depth(void **state)
{
    (void)state;
    /* radix 2 (no guard) -> slot 1: guard 2 bits = 1, radix 3 -> slot 5: radix 1. Depth 8. */
    struct cap root = cnode_at(A, 2, 0, 0);
    slots_at(A)[1].cap = cnode_at(B, 3, 2, 1);
    slots_at(B)[5].cap = cnode_at(C, 1, 0, 0);
    uint64_t cptr = 1ull << 6 | 1ull << 4 | 5ull << 1 | 1;
    assert_found(cspace_lookup(&root, cptr, 8, true), &slots_at(C)[1], 8, 1);
    /* Bits above the depth are not part of the address. */
    assert_found(cspace_lookup(&root, cptr | 0xffffff00ull, 8, true), &slots_at(C)[1], 8, 1);
    /* Depth 7 names slot 5 of the middle CNode. */
    assert_found(cspace_lookup(&root, cptr >> 1, 7, true), &slots_at(B)[5], 7, 5);
    /* The middle guard (bits 5-4) wrong: 2 bits resolved. */
    assert_failed(cspace_lookup(&root, cptr ^ (1ull << 5), 8, true), 2);
    /* Depth 9 runs past the last CNode's radix into an empty slot. */
    assert_failed(cspace_lookup(&root, cptr << 1, 9, true), 8);
    assert_found(cspace_lookup(&root, cptr << 1, 9, false), &slots_at(C)[1], 8, 1);
}

static void test_cnode_slots(void **state)
{
    (void)state;
    struct cap c = cnode_at(B, 6, 0, 0);
    assert_ptr_equal(cnode_slots(&c), env_mem(B));
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_flat_guard_52),
        T(test_flat_guard_value),
        T(test_widest_guard),
        T(test_index_zero_is_reported),
        T(test_depth_out_of_range),
        T(test_root_not_a_cnode),
        T(test_two_levels),
        T(test_two_levels_guard_mismatch),
        T(test_two_levels_depth),
        T(test_stop_at_non_cnode),
        T(test_three_levels_short_depth),
        T(test_cnode_slots),
    };
    return cmocka_run_group_tests_name("cspace", tests, setup, teardown);
}
