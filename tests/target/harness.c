#include "tests/target/harness.h"
#include "tests/target/cases.h"

/* The kernel's invariant checker (debug builds): 0 means consistent. */
static uint64_t kernel_invariant_violations(void)
{
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, BST_CAP_MACHINE_CONTROL, 0);
    return r.error == BST_OK ? r.value0 : ~0ull;
}

int test_run_suites(const struct test_suite *suites, unsigned count)
{
    unsigned passed = 0, failed = 0;
    for (unsigned s = 0; s < count; s++) {
        for (unsigned i = 0; i < *suites[s].count; i++) {
            const struct test_case *c = &suites[s].cases[i];
            const char *why = c->run();
            uint64_t violations = kernel_invariant_violations();
            if (!why && violations)
                why = "the kernel's invariant checker found violations (see the kernel log)";
            if (why) {
                failed++;
                bst_printf("[FAIL] %s: %s\n", c->name, why);
            } else {
                passed++;
                bst_printf("[PASS] %s\n", c->name);
            }
        }
    }
    bst_printf("target: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
