/*
 * A tiny in-QEMU test harness: each case prints one line, PASS or FAIL with
 * the failed check and its line, and the run ends with "N passed, N failed".
 */
#ifndef BASTION_TEST_HARNESS_H
#define BASTION_TEST_HARNESS_H

#include "user/lib/bastion.h"

struct test_case {
    const char *name;
    /* Returns NULL on success, or a description of the first failed check. */
    const char *(*run)(void);
};

#define TEST_STR2(x) #x
#define TEST_STR(x) TEST_STR2(x)
/* Fails the current case with the check's text and line. */
#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond))                                                               \
            return "check failed: " #cond " (" __FILE__ ":" TEST_STR(__LINE__) ")"; \
    } while (0)

/*
 * A case that runs its body only if set_up (an expression) holds, then
 * always calls tear_down(), pass or fail, so the next case starts clean.
 */
#define CASE_WITH(name, set_up, tear_down)                                    \
    static const char *name##_body(void);                                     \
    static const char *name(void)                                             \
    {                                                                         \
        const char *why = (set_up) ? name##_body() : "set-up failed";         \
        tear_down();                                                          \
        return why;                                                           \
    }                                                                         \
    static const char *name##_body(void)

struct test_suite;
/* Runs every case of every suite, checking the kernel's invariants after each. */
int test_run_suites(const struct test_suite *suites, unsigned count);

#endif
