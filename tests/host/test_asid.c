/*
 * Host tests of kernel/core/asid.c: ASID pools in memory the test provides
 * (as Untyped would), assignment until a pool is full, release and round
 * robin, generations across recycling and across a pool that died and was
 * made again, the search by root, and I/O port grants dying with an ASID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core/asid.h"

#define PAGE 4096ull
#define ARENA_PAGES 16
#define ROOT(n) (0x100000ull + (uint64_t)(n) * PAGE) /* fake PML4 addresses: never dereferenced */

static _Alignas(4096) uint8_t arena[ARENA_PAGES * PAGE];
#define ARENA_BASE 0x40000000ull

void *arch_phys_to_virt(uint64_t paddr)
{
    if (paddr < ARENA_BASE || paddr >= ARENA_BASE + sizeof(arena)) {
        fprintf(stderr, "test_asid: arch_phys_to_virt(%#llx) outside the arena\n", (unsigned long long)paddr);
        abort();
    }
    return arena + (paddr - ARENA_BASE);
}

static uint64_t pool_page(unsigned n) { return ARENA_BASE + n * PAGE; }

static unsigned orphaned_count;
static uint64_t orphaned_last;
static void orphaned(uint64_t root)
{
    orphaned_count++;
    orphaned_last = root;
}

/* Every test starts with no pools (the table is static: remove what a test made). */
static int no_pools(void **state)
{
    (void)state;
    for (unsigned high = 0; high < ASID_POOLS; high++)
        asid_pool_remove(high, pool_page(high), orphaned);
    memset(arena, 0, sizeof(arena));
    orphaned_count = 0;
    return 0;
}

static void make_pool(unsigned high)
{
    assert_int_equal(asid_pool_free_index(), high);
    asid_pool_install(high, pool_page(high));
}

static void test_pool_gives_out_its_block(void **state)
{
    (void)state;
    make_pool(0);
    make_pool(1);
    assert_int_equal(asid_pool_free_count(0), ASID_POOL_ENTRIES - 1); /* ASID 0 is reserved */
    assert_int_equal(asid_pool_free_count(1), ASID_POOL_ENTRIES);
    static uint8_t seen[ASID_POOL_ENTRIES];
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < ASID_POOL_ENTRIES; i++) {
        uint64_t id = asid_assign(1, ROOT(i));
        assert_int_not_equal(id, ASID_NONE);
        uint64_t asid = asid_number(id);
        assert_true(asid >= ASID_POOL_ENTRIES && asid < 2 * ASID_POOL_ENTRIES);
        assert_false(seen[asid - ASID_POOL_ENTRIES]);
        seen[asid - ASID_POOL_ENTRIES] = 1;
        assert_int_equal(asid_root(id), ROOT(i));
        assert_int_equal(asid_of_root(ROOT(i), 0), id); /* found by search */
    }
    assert_int_equal(asid_assign(1, ROOT(999)), ASID_NONE);
    assert_int_equal(asid_pool_free_count(1), 0);
    /* Pool 0 is untouched, and never gives out ASID 0. */
    for (unsigned i = 0; i < ASID_POOL_ENTRIES - 1; i++)
        assert_int_not_equal(asid_number(asid_assign(0, ROOT(1000 + i))), 0);
    assert_int_equal(asid_assign(0, ROOT(2000)), ASID_NONE);
    /* No pool at 2; a root of 0 is never assigned. */
    assert_int_equal(asid_assign(2, ROOT(1)), ASID_NONE);
    assert_int_equal(asid_assign(ASID_POOLS, ROOT(1)), ASID_NONE);
}

static void test_release_recycles_with_a_new_generation(void **state)
{
    (void)state;
    make_pool(0);
    assert_int_equal(asid_assign(0, 0), ASID_NONE);
    uint64_t a = asid_assign(0, ROOT(1)), b = asid_assign(0, ROOT(2));
    assert_int_not_equal(asid_number(a), asid_number(b));
    asid_release(a);
    assert_int_equal(asid_root(a), 0);
    assert_int_equal(asid_of_root(ROOT(1), a), ASID_NONE);
    asid_release(a); /* twice: nothing */
    assert_int_equal(asid_pool_free_count(0), ASID_POOL_ENTRIES - 2);
    /* Round robin: the freed ASID comes back last; when it does, it is a new identity. */
    uint64_t again = ASID_NONE;
    for (unsigned i = 0; i < ASID_POOL_ENTRIES - 2; i++) {
        uint64_t id = asid_assign(0, ROOT(10 + i));
        if (asid_number(id) == asid_number(a))
            again = id;
    }
    assert_int_not_equal(again, ASID_NONE);
    assert_int_not_equal(again, a);
    assert_int_equal(asid_root(a), 0);
    assert_int_equal(asid_root(b), ROOT(2));
    /* A wrong hint is corrected by the search; a right one is returned as it is. */
    assert_int_equal(asid_of_root(ROOT(2), a), b);
    assert_int_equal(asid_of_root(ROOT(2), b), b);
    assert_int_equal(asid_of_root(0, b), ASID_NONE);
}

static void test_removed_pool_kills_its_asids(void **state)
{
    (void)state;
    make_pool(0);
    make_pool(1);
    uint64_t keep = asid_assign(0, ROOT(1));
    uint64_t x = asid_assign(1, ROOT(2)), y = asid_assign(1, ROOT(3));
    asid_release(y);
    assert_true(asid_ports_add(x, 0x3f8, 0x3ff));
    assert_int_equal(asid_port_ranges_total, 1);
    /* A wrong address for the pool removes nothing. */
    asid_pool_remove(1, pool_page(5), orphaned);
    assert_int_equal(asid_root(x), ROOT(2));
    asid_pool_remove(1, pool_page(1), orphaned);
    assert_int_equal(orphaned_count, 1); /* only the live root */
    assert_int_equal(orphaned_last, ROOT(2));
    assert_int_equal(asid_root(x), 0);
    assert_int_equal(asid_of_root(ROOT(2), x), ASID_NONE);
    assert_int_equal(asid_port_ranges_total, 0);
    assert_int_equal(asid_ports_of(x)->count, 0);
    assert_int_equal(asid_root(keep), ROOT(1));
    assert_int_equal(asid_pool_free_count(1), 0);
    /* A new pool for the same block: old identities stay dead, the grants start empty. */
    memset(arena + PAGE * 2, 0, PAGE);
    assert_int_equal(asid_pool_free_index(), 1);
    asid_pool_install(1, pool_page(2));
    uint64_t z = asid_assign(1, ROOT(2));
    assert_int_equal(asid_number(z), asid_number(x));
    assert_int_not_equal(z, x);
    assert_int_equal(asid_root(x), 0);
    assert_int_equal(asid_ports_of(z)->count, 0);
    asid_pool_remove(1, pool_page(2), orphaned);
}

static void test_port_grants(void **state)
{
    (void)state;
    make_pool(0);
    uint64_t a = asid_assign(0, ROOT(1)), b = asid_assign(0, ROOT(2));
    for (unsigned i = 0; i < ASID_PORT_RANGES; i++)
        assert_true(asid_ports_add(a, (uint16_t)(0x100 * (i + 1)), (uint16_t)(0x100 * (i + 1) + 7)));
    assert_true(asid_ports_add(a, 0x100, 0x107)); /* again: no second entry */
    assert_false(asid_ports_add(a, 0x900, 0x907)); /* full for a, not for b */
    assert_true(asid_ports_add(b, 0x900, 0x907));
    assert_false(asid_ports_add(ASID_NONE, 0x900, 0x907));
    asid_ports_remove(0x100, 0x107);
    assert_int_equal(asid_ports_of(a)->count, ASID_PORT_RANGES - 1);
    asid_release(a);
    assert_int_equal(asid_port_ranges_total, 1);
    asid_release(b);
    assert_int_equal(asid_port_ranges_total, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pool_gives_out_its_block, no_pools),
        cmocka_unit_test_setup(test_release_recycles_with_a_new_generation, no_pools),
        cmocka_unit_test_setup(test_removed_pool_kills_its_asids, no_pools),
        cmocka_unit_test_setup(test_port_grants, no_pools),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
