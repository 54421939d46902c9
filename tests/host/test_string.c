/*
 * Host tests of lib/string.c. host.mk compiles this file and lib/string.c with
 * -D<name>=bst_<name> for every function of lib/string.h, so the tests below
 * call bst_memcpy() etc. and exercise our code, not the C library's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/string.h"

#ifndef memcpy
#error "build with the bst_ renames of tests/host/host.mk"
#endif

#define POISON 0xa5

static void test_memset(void **state)
{
    (void)state;
    unsigned char buf[16];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = POISON;
    assert_ptr_equal(bst_memset(buf + 2, 0x1ff, 5), buf + 2); /* c is cut to a byte */
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], i >= 2 && i < 7 ? 0xff : POISON);
    bst_memset(buf, 0, 0);
    assert_int_equal(buf[0], POISON);
}

static void test_memcpy(void **state)
{
    (void)state;
    const char src[] = "0123456789";
    char dst[12];
    for (size_t i = 0; i < sizeof(dst); i++)
        dst[i] = 'x';
    assert_ptr_equal(bst_memcpy(dst + 1, src, 10), dst + 1);
    assert_memory_equal(dst, "x0123456789x", 12);
    bst_memcpy(dst, src, 0);
    assert_int_equal(dst[0], 'x');
}

/* memmove against a byte-by-byte model, for every overlap of a small buffer. */
static void check_move(size_t to, size_t from, size_t n)
{
    unsigned char buf[32], want[32];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = want[i] = (unsigned char)(i * 7 + 1);
    unsigned char tmp[32];
    for (size_t i = 0; i < n; i++)
        tmp[i] = want[from + i];
    for (size_t i = 0; i < n; i++)
        want[to + i] = tmp[i];
    assert_ptr_equal(bst_memmove(buf + to, buf + from, n), buf + to);
    assert_memory_equal(buf, want, sizeof(buf));
}

static void test_memmove_overlaps(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 16; n++) {
        for (size_t to = 0; to + n <= 32; to++) {
            for (size_t from = 0; from + n <= 32; from++)
                check_move(to, from, n);
        }
    }
}

static void test_memcmp(void **state)
{
    (void)state;
    assert_int_equal(bst_memcmp("abc", "abd", 3), -1);
    assert_int_equal(bst_memcmp("abd", "abc", 3), 1);
    assert_int_equal(bst_memcmp("abc", "abd", 2), 0);
    assert_int_equal(bst_memcmp("x", "y", 0), 0);
    /* Bytes compare as unsigned char, and NUL does not stop the comparison. */
    assert_int_equal(bst_memcmp("\x80", "\x7f", 1), 1);
    assert_int_equal(bst_memcmp("a\0b", "a\0c", 3), -1);
}

static void test_strlen_strnlen(void **state)
{
    (void)state;
    assert_int_equal(bst_strlen(""), 0);
    assert_int_equal(bst_strlen("bastion"), 7);
    assert_int_equal(bst_strnlen("bastion", 3), 3);
    assert_int_equal(bst_strnlen("bastion", 100), 7);
    assert_int_equal(bst_strnlen("bastion", 0), 0);
    /* strnlen must not read past max: the array has no terminator. */
    const char raw[4] = {'a', 'b', 'c', 'd'};
    assert_int_equal(bst_strnlen(raw, sizeof(raw)), 4);
}

static void test_strcmp(void **state)
{
    (void)state;
    assert_int_equal(bst_strcmp("", ""), 0);
    assert_int_equal(bst_strcmp("abc", "abc"), 0);
    assert_true(bst_strcmp("abc", "abd") < 0);
    assert_true(bst_strcmp("abd", "abc") > 0);
    assert_true(bst_strcmp("ab", "abc") < 0);
    assert_true(bst_strcmp("abc", "ab") > 0);
    assert_true(bst_strcmp("\x80", "a") > 0); /* unsigned */
}

static void test_strncmp(void **state)
{
    (void)state;
    assert_int_equal(bst_strncmp("abcX", "abcY", 3), 0);
    assert_true(bst_strncmp("abcX", "abcY", 4) < 0);
    assert_int_equal(bst_strncmp("a", "b", 0), 0);
    assert_int_equal(bst_strncmp("ab", "ab", 10), 0); /* stops at the NUL */
    assert_true(bst_strncmp("ab", "abc", 10) < 0);
    assert_true(bst_strncmp("\xff", "a", 1) > 0);
}

static void test_strlcpy(void **state)
{
    (void)state;
    char buf[8];
    bst_memset(buf, 'x', sizeof(buf));
    assert_int_equal(bst_strlcpy(buf, "hello", sizeof(buf)), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(buf[6], 'x'); /* nothing written past the terminator */

    assert_int_equal(bst_strlcpy(buf, "much too long", sizeof(buf)), 13);
    assert_string_equal(buf, "much to");

    assert_int_equal(bst_strlcpy(buf, "1234567", sizeof(buf)), 7); /* exact fit */
    assert_string_equal(buf, "1234567");

    bst_memset(buf, 'x', sizeof(buf));
    assert_int_equal(bst_strlcpy(buf, "abc", 0), 3);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(bst_strlcpy(buf, "abc", 1), 3);
    assert_int_equal(buf[0], 0);
}

static void test_strstr_bounded(void **state)
{
    (void)state;
    const char *h = "loglevel=debug exit_when_idle";
    assert_ptr_equal(bst_strstr_bounded(h, "loglevel"), h);
    assert_ptr_equal(bst_strstr_bounded(h, "debug"), h + 9);
    assert_ptr_equal(bst_strstr_bounded(h, "idle"), h + 25);
    assert_null(bst_strstr_bounded(h, "idler"));
    assert_null(bst_strstr_bounded(h, "warn"));
    assert_null(bst_strstr_bounded("", "a"));
    assert_ptr_equal(bst_strstr_bounded(h, ""), h);
    const char *empty = "";
    assert_ptr_equal(bst_strstr_bounded(empty, ""), empty);
}

static void test_strstr_bounded_partial_matches(void **state)
{
    (void)state;
    const char *h = "aaab";
    assert_ptr_equal(bst_strstr_bounded(h, "aab"), h + 1);
    assert_ptr_equal(bst_strstr_bounded(h, "b"), h + 3);
    assert_null(bst_strstr_bounded(h, "aaabb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memset),
        cmocka_unit_test(test_memcpy),
        cmocka_unit_test(test_memmove_overlaps),
        cmocka_unit_test(test_memcmp),
        cmocka_unit_test(test_strlen_strnlen),
        cmocka_unit_test(test_strcmp),
        cmocka_unit_test(test_strncmp),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_strstr_bounded),
        cmocka_unit_test(test_strstr_bounded_partial_matches),
    };
    return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
