/* Host tests of kernel/core/bootmem.c: free = RAM minus reserved, and bootmem_alloc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core/boot.h"

#define PAGE 4096ull
#define MIB (1ull << 20)

/* ---- the environment: bootmem_zero_phys records its calls and touches nothing */

static struct {
    unsigned calls;
    uint64_t paddr, size;
} zeroed;

void bootmem_zero_phys(uint64_t paddr, uint64_t size)
{
    zeroed.calls++;
    zeroed.paddr = paddr;
    zeroed.size = size;
}

static struct boot_params params;
static struct bootmem bm;

static int reset(void **state)
{
    (void)state;
    memset(&params, 0, sizeof(params));
    memset(&bm, 0xee, sizeof(bm)); /* bootmem_init must not rely on a zeroed struct */
    memset(&zeroed, 0, sizeof(zeroed));
    return 0;
}

static void add_ram(uint64_t base, uint64_t size)
{
    params.ram[params.ram_count++] = (struct mem_region){base, size};
}

static void assert_free(unsigned i, uint64_t base, uint64_t size)
{
    assert_true(i < bm.free_count);
    assert_int_equal(bm.free[i].base, base);
    assert_int_equal(bm.free[i].size, size);
}

/* ---- bootmem_init */

static void test_ram_is_aligned_inward(void **state)
{
    (void)state;
    add_ram(0x100123, 0x300000); /* ends at 0x400123 */
    add_ram(0x800000, 0x800);    /* less than a page once aligned */
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, 1);
    assert_free(0, 0x101000, 0x2ff000);
    assert_int_equal(bm.total_ram, 0x2ff000);
    assert_int_equal(bm.allocated, 0);
    assert_int_equal(bootmem_free_bytes(&bm), 0x2ff000);
}

static void test_reserved_is_aligned_outward(void **state)
{
    (void)state;
    add_ram(0x100000, 16 * MIB);
    boot_params_reserve(&params, 0x200010, 0x1000); /* touches pages 0x200000 and 0x201000 */
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, 2);
    assert_free(0, 0x100000, 0x100000);
    assert_free(1, 0x202000, 0x100000 + 16 * MIB - 0x202000);
    assert_int_equal(bm.total_ram, 16 * MIB);
}

static void test_reserved_edges_and_outside(void **state)
{
    (void)state;
    add_ram(0x100000, MIB);
    add_ram(0x400000, MIB);
    boot_params_reserve(&params, 0x100000, PAGE);     /* first page */
    boot_params_reserve(&params, 0x1ff000, 0x202000); /* last page of one to first of next */
    boot_params_reserve(&params, 0x40000000, MIB);    /* not RAM at all */
    boot_params_reserve(&params, 0x300000, 0);        /* empty: ignored */
    assert_int_equal(params.reserved_count, 3);
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, 2);
    assert_free(0, 0x101000, 0xfe000);
    assert_free(1, 0x401000, 0xff000);
}

static void test_reserve_everything(void **state)
{
    (void)state;
    add_ram(0x100000, MIB);
    boot_params_reserve(&params, 0, 1ull << 40);
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, 0);
    assert_int_equal(bootmem_free_bytes(&bm), 0);
    assert_int_equal(bootmem_alloc_page(&bm), 0);
    assert_int_equal(zeroed.calls, 0);
}

static void test_unsorted_ram_comes_out_sorted(void **state)
{
    (void)state;
    add_ram(0x3000000, MIB);
    add_ram(0x1000000, MIB);
    add_ram(0x2000000, MIB);
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, 3);
    assert_free(0, 0x1000000, MIB);
    assert_free(1, 0x2000000, MIB);
    assert_free(2, 0x3000000, MIB);
}

static void test_overlapping_ram_counts_once(void **state)
{
    (void)state;
    add_ram(0x100000, 4 * MIB);
    add_ram(0x200000, MIB);     /* inside the first */
    add_ram(0x400000, 2 * MIB); /* overlaps its end */
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_free_bytes(&bm), 0x600000 - 0x100000);
    assert_int_equal(bm.total_ram, 0x600000 - 0x100000);
}

static void test_reserve_table_is_bounded(void **state)
{
    (void)state;
    unsigned max = sizeof(params.reserved) / sizeof(params.reserved[0]);
    for (unsigned i = 0; i < max + 5; i++)
        boot_params_reserve(&params, i * PAGE, PAGE);
    assert_int_equal(params.reserved_count, max);
}

static void test_page_zero_is_never_handed_out(void **state)
{
    (void)state;
    add_ram(0, 2 * PAGE); /* 0 is the failure value of bootmem_alloc */
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc_page(&bm), PAGE);
    assert_int_equal(bootmem_alloc_page(&bm), 0);
    assert_int_equal(bm.allocated, PAGE);
}

/* ---- bootmem_alloc */

static void test_alloc_page_lowest_first(void **state)
{
    (void)state;
    add_ram(0x200000, 2 * PAGE);
    add_ram(0x100000, PAGE);
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc_page(&bm), 0x100000);
    assert_int_equal(zeroed.calls, 1);
    assert_int_equal(zeroed.paddr, 0x100000);
    assert_int_equal(zeroed.size, PAGE);
    assert_int_equal(bootmem_alloc_page(&bm), 0x200000);
    assert_int_equal(bootmem_alloc_page(&bm), 0x201000);
    assert_int_equal(bm.allocated, 3 * PAGE);
    assert_int_equal(bootmem_free_bytes(&bm), 0);
    assert_int_equal(bootmem_alloc_page(&bm), 0);
    assert_int_equal(zeroed.calls, 3); /* a failed allocation zeroes nothing */
}

static void test_alloc_rounds_size_up(void **state)
{
    (void)state;
    add_ram(0x100000, MIB);
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc(&bm, 1, 0), 0x100000);
    assert_int_equal(zeroed.size, PAGE);
    assert_int_equal(bootmem_alloc(&bm, PAGE + 1, 1), 0x101000);
    assert_int_equal(zeroed.size, 2 * PAGE);
    assert_int_equal(bm.allocated, 3 * PAGE);
    assert_free(0, 0x103000, MIB - 3 * PAGE);
}

static void test_alloc_honours_alignment(void **state)
{
    (void)state;
    add_ram(0x101000, 4 * MIB);
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc(&bm, PAGE, 2 * MIB), 0x200000);
    assert_int_equal(bm.free_count, 2); /* the piece in front stays free */
    assert_free(0, 0x101000, 0xff000);
    assert_free(1, 0x201000, 0x501000 - 0x201000);
    assert_int_equal(bootmem_alloc_page(&bm), 0x101000);
}

static void test_alloc_skips_regions_too_small(void **state)
{
    (void)state;
    add_ram(0x100000, 2 * PAGE);
    add_ram(0x200000, 8 * PAGE);
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc(&bm, 3 * PAGE, PAGE), 0x200000);
    assert_int_equal(bootmem_alloc(&bm, 6 * PAGE, PAGE), 0); /* 7 pages free, never 6 together */
    assert_int_equal(bootmem_free_bytes(&bm), 7 * PAGE);
}

static void test_alloc_refuses_nonsense(void **state)
{
    (void)state;
    add_ram(0x100000, MIB);
    bootmem_init(&bm, &params);
    assert_int_equal(bootmem_alloc(&bm, 0, PAGE), 0);
    assert_int_equal(bootmem_alloc(&bm, UINT64_MAX, PAGE), 0);          /* rounds up to 0 */
    assert_int_equal(bootmem_alloc(&bm, UINT64_MAX - PAGE + 2, PAGE), 0); /* likewise */
    assert_int_equal(bootmem_alloc(&bm, PAGE, 3 * PAGE), 0);             /* not a power of 2 */
    assert_int_equal(bootmem_alloc(&bm, PAGE, 1ull << 63), 0);
    assert_int_equal(zeroed.calls, 0);
    assert_int_equal(bm.allocated, 0);
    assert_int_equal(bootmem_free_bytes(&bm), MIB);
}

/* Fills the free list to BOOTMEM_MAX_FREE: a split must then not lose memory. */
static void test_full_free_list_loses_nothing(void **state)
{
    (void)state;
    /* Each RAM region becomes one page, a hole, then 8 MiB - 8 KiB: 64 * 2 regions. */
    for (uint64_t i = 1; i <= BOOTMEM_MAX_FREE / 2; i++) {
        add_ram(i * 0x1000000 + MIB, 8 * MIB);
        boot_params_reserve(&params, i * 0x1000000 + MIB + PAGE, PAGE);
    }
    bootmem_init(&bm, &params);
    assert_int_equal(bm.free_count, BOOTMEM_MAX_FREE);
    uint64_t before = bootmem_free_bytes(&bm);
    /* Only fits 4 MiB-aligned in the middle of a large region: that would split it. */
    uint64_t a = bootmem_alloc(&bm, PAGE, 4 * MIB);
    assert_int_equal(bootmem_free_bytes(&bm) + bm.allocated, before);
    assert_true(bm.free_count <= BOOTMEM_MAX_FREE);
    if (a)
        assert_int_equal(a % (4 * MIB), 0);
    /* Taking a whole region needs no split and still works. */
    assert_int_equal(bootmem_alloc_page(&bm), 0x1000000 + MIB);
    assert_int_equal(bootmem_free_bytes(&bm) + bm.allocated, before);
}

/* ---- randomized: many allocations over random layouts, invariants after each */

#define MAX_ALLOCS 64

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t below(uint64_t n) { return next() % n; }

struct world {
    struct mem_region allocs[MAX_ALLOCS];
    unsigned alloc_count;
    uint64_t initial_free;
};

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
    return a < b + bsize && b < a + asize;
}

static bool inside_ram(uint64_t base, uint64_t size)
{
    for (unsigned i = 0; i < params.ram_count; i++) {
        const struct mem_region *r = &params.ram[i];
        if (base >= r->base && base + size <= r->base + r->size)
            return true;
    }
    return false;
}

/* Reserved by boot_params, or page 0 (which bootmem never hands out). */
static bool hits_reserved(uint64_t base, uint64_t size)
{
    for (unsigned i = 0; i < params.reserved_count; i++) {
        if (overlaps(base, size, params.reserved[i].base, params.reserved[i].size))
            return true;
    }
    return base == 0;
}

static void check_region(const struct world *w, uint64_t base, uint64_t size)
{
    assert_true(size > 0);
    assert_int_equal(base % PAGE, 0);
    assert_int_equal(size % PAGE, 0);
    assert_true(inside_ram(base, size));
    assert_false(hits_reserved(base, size));
    for (unsigned i = 0; i < w->alloc_count; i++)
        assert_false(overlaps(base, size, w->allocs[i].base, w->allocs[i].size));
}

static void check_invariants(const struct world *w)
{
    uint64_t allocated = 0;
    assert_true(bm.free_count <= BOOTMEM_MAX_FREE);
    for (unsigned i = 0; i < bm.free_count; i++) {
        check_region(w, bm.free[i].base, bm.free[i].size);
        if (i > 0)
            assert_true(bm.free[i - 1].base + bm.free[i - 1].size <= bm.free[i].base);
    }
    for (unsigned i = 0; i < w->alloc_count; i++)
        allocated += w->allocs[i].size;
    assert_int_equal(bm.allocated, allocated);
    assert_int_equal(bootmem_free_bytes(&bm) + allocated, w->initial_free);
}

/* Usually a few regions; one layout in eight as fragmented as boot_params allows. */
static void random_layout(void)
{
    memset(&params, 0, sizeof(params));
    bool fragmented = below(8) == 0;
    unsigned rams = fragmented ? ARCH_MAX_MEM_REGIONS : 1 + (unsigned)below(6);
    unsigned reserved = fragmented ? ARCH_MAX_MEM_REGIONS + 4 : (unsigned)below(10);
    for (unsigned i = 0; i < rams; i++)
        add_ram(below(1ull << 32), PAGE + below(below(2) ? 64 * MIB : 4 * MIB));
    if (below(8) == 0)
        params.ram[0].base = below(4 * PAGE); /* RAM at page 0 */
    for (unsigned i = 0; i < reserved; i++) {
        const struct mem_region *r = &params.ram[below(rams)];
        uint64_t base = r->base + below(r->size), back = below(2) * below(MIB);
        base = base > back ? base - back : 0; /* some start before their RAM region */
        boot_params_reserve(&params, base, 1 + below(below(2) ? MIB : 16 * PAGE));
    }
}

/* A failure is only allowed when no free region could have held the request. */
static void check_failure_is_genuine(uint64_t size, uint64_t align)
{
    size = (size + PAGE - 1) & ~(PAGE - 1);
    align = align < PAGE ? PAGE : align;
    for (unsigned i = 0; i < bm.free_count; i++) {
        uint64_t base = (bm.free[i].base + align - 1) & ~(align - 1);
        uint64_t end = bm.free[i].base + bm.free[i].size;
        bool split = base > bm.free[i].base && base + size < end;
        if (base + size <= end && !(split && bm.free_count == BOOTMEM_MAX_FREE))
            fail_msg("alloc(%#llx, %#llx) failed although region %u fits", (unsigned long long)size,
                     (unsigned long long)align, i);
    }
}

static void random_alloc(struct world *w)
{
    uint64_t size = 1 + below(below(4) == 0 ? 8 * MIB : 8 * PAGE);
    uint64_t align = below(3) == 0 ? 0 : 1ull << below(25);
    unsigned calls = zeroed.calls;
    uint64_t a = bootmem_alloc(&bm, size, align);
    if (!a) {
        assert_int_equal(zeroed.calls, calls);
        check_failure_is_genuine(size, align);
        return;
    }
    uint64_t rounded = (size + PAGE - 1) & ~(PAGE - 1);
    assert_int_equal(a % (align > PAGE ? align : PAGE), 0);
    assert_int_equal(zeroed.calls, calls + 1);
    assert_int_equal(zeroed.paddr, a);
    assert_int_equal(zeroed.size, rounded);
    check_region(w, a, rounded);
    w->allocs[w->alloc_count++] = (struct mem_region){a, rounded};
}

static void test_random_allocations(void **state)
{
    (void)state;
    uint64_t seed = 0xb0075eed2024ull;
    const char *env = getenv("BOOTMEM_SEED");
    if (env)
        seed = strtoull(env, NULL, 0);
    printf("# bootmem random seed %#llx (set BOOTMEM_SEED to change)\n", (unsigned long long)seed);
    rng = seed;
    unsigned total = 0, fullest = 0;
    for (int layout = 0; layout < 400; layout++) {
        struct world w = {.alloc_count = 0};
        random_layout();
        bootmem_init(&bm, &params);
        w.initial_free = bootmem_free_bytes(&bm);
        check_invariants(&w);
        for (uint64_t n = 1 + below(MAX_ALLOCS); n > 0; n--) {
            random_alloc(&w);
            check_invariants(&w);
            total++;
            fullest = bm.free_count > fullest ? bm.free_count : fullest;
        }
    }
    printf("# bootmem random: %u allocations, at most %u free regions\n", total, fullest);
    assert_true(total > 5000);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ram_is_aligned_inward),
        T(test_reserved_is_aligned_outward),
        T(test_reserved_edges_and_outside),
        T(test_reserve_everything),
        T(test_unsorted_ram_comes_out_sorted),
        T(test_overlapping_ram_counts_once),
        T(test_reserve_table_is_bounded),
        T(test_page_zero_is_never_handed_out),
        T(test_alloc_page_lowest_first),
        T(test_alloc_rounds_size_up),
        T(test_alloc_honours_alignment),
        T(test_alloc_skips_regions_too_small),
        T(test_alloc_refuses_nonsense),
        T(test_full_free_list_loses_nothing),
        T(test_random_allocations),
    };
    return cmocka_run_group_tests_name("bootmem", tests, NULL, NULL);
}
