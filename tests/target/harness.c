#include "tests/target/harness.h"

int test_run_all(const struct test_case *cases, unsigned count)
{
    unsigned passed = 0, failed = 0;
    for (unsigned i = 0; i < count; i++) {
        const char *why = cases[i].run();
        if (why) {
            failed++;
            bst_printf("[FAIL] %s: %s\n", cases[i].name, why);
        } else {
            passed++;
            bst_printf("[PASS] %s\n", cases[i].name);
        }
    }
    bst_printf("target: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
