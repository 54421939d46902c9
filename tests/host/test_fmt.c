/* Host tests of lib/fmt.c, the printf-style formatter of the kernel log and the user runtime. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lib/fmt.h"

static char out[512];

/* No format attribute on purpose: the tests feed it conversions printf does not know. */
static int format(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = fmt_vsnprintf(out, sizeof(out), f, ap);
    va_end(ap);
    return n;
}

#define CHECK(expect, ...)                                      \
    do {                                                        \
        int n_ = format(__VA_ARGS__);                           \
        assert_string_equal(out, expect);                       \
        assert_int_equal(n_, strlen(expect));                   \
    } while (0)

static void test_plain_and_percent(void **state)
{
    (void)state;
    CHECK("", "");
    CHECK("plain text", "plain text");
    CHECK("100%", "100%%");
    CHECK("%%", "%%%%");
}

static void test_signed(void **state)
{
    (void)state;
    CHECK("0", "%d", 0);
    CHECK("-42 42", "%d %i", -42, 42);
    CHECK("-2147483648", "%d", INT_MIN);
    CHECK("2147483647", "%d", INT_MAX);
    CHECK("-9223372036854775808", "%ld", LONG_MIN);
    CHECK("-9223372036854775808", "%lld", LLONG_MIN);
    CHECK("9223372036854775807", "%lli", LLONG_MAX);
    CHECK("-1", "%zd", (ssize_t)-1);
}

static void test_unsigned_and_hex(void **state)
{
    (void)state;
    CHECK("4294967295", "%u", UINT_MAX);
    CHECK("18446744073709551615", "%llu", ULLONG_MAX);
    CHECK("18446744073709551615", "%zu", SIZE_MAX);
    CHECK("ff FF", "%x %X", 255u, 255u);
    CHECK("ffffffffffffffff", "%lx", ULONG_MAX);
    CHECK("0xdeadbeef", "%#x", 0xdeadbeefu);
    CHECK("0x0", "%#llx", 0ull); /* the 0x prefix even for zero (unlike C) */
    CHECK("0x1000", "%p", (void *)0x1000);
    CHECK("0x0", "%p", NULL);
}

static void test_width_and_flags(void **state)
{
    (void)state;
    CHECK("   42", "%5d", 42);
    CHECK("42", "%1d", 42);
    CHECK("42   |", "%-5d|", 42);
    CHECK("00042", "%05d", 42);
    CHECK("-0042", "%05d", -42);
    CHECK("  -42", "%5d", -42);
    CHECK("-42  |", "%-05d|", -42); /* '-' wins over '0' */
    CHECK("0x00ff", "%#06x", 255u);
    CHECK("  0xff", "%#6x", 255u);
    CHECK("0xff  |", "%-#6x|", 255u);
    CHECK("   42", "%*d", 5, 42);
    CHECK("  x|x  |", "%3c|%-3c|", 'x', 'x');
}

static void test_strings(void **state)
{
    (void)state;
    CHECK("abc", "%s", "abc");
    CHECK("(null)", "%s", (char *)NULL);
    CHECK("abc", "%.3s", "abcdef");
    CHECK("", "%.0s", "abc");
    CHECK("ab", "%.*s", 2, "abc");
    CHECK("abc", "%.*s", -1, "abc"); /* a negative precision means none */
    CHECK("   ab", "%*s", 5, "ab");
    CHECK("ab   |", "%-5s|", "ab");
    CHECK("  abc", "%05s", "abc"); /* strings never pad with zeros */
    /* The precision bounds the read: the array has no terminator. */
    const char raw[3] = {'x', 'y', 'z'};
    CHECK("xyz", "%.3s", raw);
}

static void test_unknown_and_trailing(void **state)
{
    (void)state;
    CHECK("%q", "%q");
    CHECK("a%q b", "a%q %s", "b"); /* an unknown conversion takes no argument */
    CHECK("abc%", "abc%");
    CHECK("%", "%-5");
}

static void test_huge_width_is_bounded(void **state)
{
    (void)state;
    /* A width or precision too large for an int must neither overflow nor run for ever. */
    int n = format("%99999999999999999999d", 7);
    assert_true(n > 1000 && n < 100 * 1000 * 1000);
    assert_int_equal(out[0], ' ');
    CHECK("abc", "%.99999999999999999999s", "abc");
}

static void test_truncation(void **state)
{
    (void)state;
    char small[6];
    memset(small, 'x', sizeof(small));
    assert_int_equal(fmt_snprintf(small, 5, "%s-%d", "abcdef", 12), 9);
    assert_string_equal(small, "abcd");
    assert_int_equal(small[5], 'x');

    assert_int_equal(fmt_snprintf(small, 6, "%d", 12345), 5); /* exact fit */
    assert_string_equal(small, "12345");

    memset(small, 'x', sizeof(small));
    assert_int_equal(fmt_snprintf(small, 1, "abc"), 3);
    assert_int_equal(small[0], 0);
    assert_int_equal(small[1], 'x');

    assert_int_equal(fmt_snprintf(NULL, 0, "%s", "abc"), 3); /* size 0: only measure */
}

struct collect {
    char text[64];
    int calls;
};

static void collect_sink(void *ctx, char c)
{
    struct collect *k = ctx;
    k->text[k->calls++] = c;
}

static int collect(struct collect *k, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = fmt_format(collect_sink, k, f, ap);
    va_end(ap);
    return n;
}

static void test_sink_sees_every_char(void **state)
{
    (void)state;
    struct collect k = {{0}, 0};
    assert_int_equal(collect(&k, "[%4x|%s]", 0xabu, "hi"), 9);
    assert_int_equal(k.calls, 9);
    assert_memory_equal(k.text, "[  ab|hi]", 9);
    assert_int_equal(k.text[9], 0); /* fmt_format itself adds no terminator */
}

/* ---- randomized comparison with the C library where both are meant to agree */

static uint64_t rng = 0x5eedf00dcafe1234ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void compare(const char *f, ...)
{
    char want[128], got[128];
    va_list a, b;
    va_start(a, f);
    va_copy(b, a);
    int wn = vsnprintf(want, sizeof(want), f, a);
    int gn = fmt_vsnprintf(got, sizeof(got), f, b);
    va_end(b);
    va_end(a);
    if (wn != gn || strcmp(want, got) != 0)
        fail_msg("format \"%s\": libc \"%s\" (%d), fmt \"%s\" (%d)", f, want, wn, got, gn);
}

static void compare_integer(char conv, const char *flags, int width, int length, uint64_t v)
{
    static const char *const lengths[] = {"", "l", "ll", "z"};
    char f[32];
    snprintf(f, sizeof(f), "<%s%d%s%c>", flags, width, lengths[length], conv);
    switch (length) {
    case 0: compare(f, (unsigned)v); break;
    case 1: compare(f, (unsigned long)v); break;
    case 2: compare(f, (unsigned long long)v); break;
    default: compare(f, (size_t)v); break;
    }
}

static uint64_t random_value(void)
{
    uint64_t v = next();
    switch (next() % 4) {
    case 0: return v % 100;
    case 1: return (uint64_t)-(int64_t)(v % 100);
    case 2: return v >> (next() % 64);
    default: return v;
    }
}

static void test_random_against_libc(void **state)
{
    (void)state;
    static const char convs[] = "diuxX";
    static const char *const flags[] = {"", "-", "0", "-0"};
    for (int i = 0; i < 20000; i++) {
        char conv = convs[next() % 5];
        uint64_t v = random_value();
        const char *fl = flags[next() % 4];
        char with_alt[4];
        if (conv == 'x' && v != 0 && (unsigned)v != 0 && next() % 2) {
            snprintf(with_alt, sizeof(with_alt), "#%s", fl); /* C and fmt agree on %#x of non-zero */
            fl = with_alt;
        }
        compare_integer(conv, fl, (int)(next() % 25), (int)(next() % 4), v);
    }
}

static void test_random_strings_against_libc(void **state)
{
    (void)state;
    static const char *const words[] = {"", "a", "bastion", "capability based"};
    for (int i = 0; i < 5000; i++) {
        const char *w = words[next() % 4];
        int width = (int)(next() % 20), precision = (int)(next() % 20) - 2;
        compare(next() % 2 ? "<%-*.*s>" : "<%*.*s>", width, precision, w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_percent),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned_and_hex),
        cmocka_unit_test(test_width_and_flags),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_unknown_and_trailing),
        cmocka_unit_test(test_huge_width_is_bounded),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_sink_sees_every_char),
        cmocka_unit_test(test_random_against_libc),
        cmocka_unit_test(test_random_strings_against_libc),
    };
    return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
