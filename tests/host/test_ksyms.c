/* Host tests of kernel/lib/ksyms.c: the backtrace symbol lookup over a sorted table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/lib/ksyms.h"

#define K 0xffffffff80100000ull

/* What tools/gen-ksyms makes: text symbols sorted by address; aliases share one. */
const struct ksym ksyms_table[] = {
    {K + 0x000, "_start"},
    {K + 0x040, "long_mode"},
    {K + 0x100, "kernel_main"},
    {K + 0x100, "kernel_main_alias"},
    {K + 0x180, "sched_run"},
    {K + 0x181, "tiny"},
    {K + 0x200, "ksyms_lookup"},
    {K + 0x7f0, "panic"},
    {K + 0x1000, "last_function"},
};
const uint64_t ksyms_count = sizeof(ksyms_table) / sizeof(ksyms_table[0]);

#define NO_OFFSET 0x5a5a5a5aull

static void expect(uint64_t address, const char *name, uint64_t offset)
{
    uint64_t got = NO_OFFSET;
    const char *found = ksyms_lookup(address, &got);
    assert_non_null(found);
    assert_string_equal(found, name);
    assert_int_equal(got, offset);
}

static void test_below_first_symbol(void **state)
{
    (void)state;
    uint64_t offset = NO_OFFSET;
    assert_null(ksyms_lookup(K - 1, &offset));
    assert_null(ksyms_lookup(0, &offset));
    assert_int_equal(offset, NO_OFFSET); /* untouched when nothing is found */
}

static void test_exact_and_inside(void **state)
{
    (void)state;
    expect(K, "_start", 0);
    expect(K + 0x3f, "_start", 0x3f);
    expect(K + 0x40, "long_mode", 0);
    expect(K + 0x180, "sched_run", 0);
    expect(K + 0x181, "tiny", 0); /* one-byte neighbours */
    expect(K + 0x1ff, "tiny", 0x7e);
    expect(K + 0x7ef, "ksyms_lookup", 0x5ef);
}

static void test_after_last_symbol(void **state)
{
    (void)state;
    expect(K + 0x1000, "last_function", 0);
    expect(UINT64_MAX, "last_function", UINT64_MAX - (K + 0x1000));
}

static void test_aliases(void **state)
{
    (void)state;
    uint64_t offset = NO_OFFSET;
    const char *name = ksyms_lookup(K + 0x120, &offset);
    assert_non_null(name);
    assert_true(name == ksyms_table[2].name || name == ksyms_table[3].name);
    assert_int_equal(offset, 0x20);
}

/* The last entry at or below address, found the slow way. */
static int reference(uint64_t address)
{
    int found = -1;
    for (uint64_t i = 0; i < ksyms_count; i++) {
        if (ksyms_table[i].address <= address)
            found = (int)i;
    }
    return found;
}

static void compare_with_reference(uint64_t address)
{
    int want = reference(address);
    uint64_t offset = NO_OFFSET;
    const char *name = ksyms_lookup(address, &offset);
    if (want < 0) {
        assert_null(name);
        return;
    }
    assert_non_null(name);
    /* With aliases any entry at the same address will do. */
    assert_int_equal(offset, address - ksyms_table[want].address);
    for (uint64_t i = 0; i < ksyms_count; i++) {
        if (ksyms_table[i].name == name) {
            assert_int_equal(ksyms_table[i].address, ksyms_table[want].address);
            return;
        }
    }
    fail_msg("%#llx: name not from the table", (unsigned long long)address);
}

static void test_every_boundary_and_random(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < ksyms_count; i++) {
        compare_with_reference(ksyms_table[i].address - 1);
        compare_with_reference(ksyms_table[i].address);
        compare_with_reference(ksyms_table[i].address + 1);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        compare_with_reference(K - 0x100 + x % 0x1200);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_below_first_symbol),
        cmocka_unit_test(test_exact_and_inside),
        cmocka_unit_test(test_after_last_symbol),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_every_boundary_and_random),
    };
    return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
