#include "tests/target/harness.h"
#include "tests/target/cases.h"

/* The kernel's invariant checker: 0 means consistent. A release kernel has
 * none (it answers BST_E_NOT_SUPPORTED); the suite says so once, at the start. */
static uint64_t kernel_invariant_violations(void)
{
    struct bst_result r = bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, BST_CAP_MACHINE_CONTROL, 0);
#ifndef BASTION_DEBUG
    if (r.error == BST_E_NOT_SUPPORTED)
        return 0;
#endif
    return r.error == BST_OK ? r.value0 : ~0ull;
}

int test_run_suites(const struct test_suite *suites, unsigned count)
{
    unsigned passed = 0, failed = 0;
#ifndef BASTION_DEBUG
    bst_printf("target: release build: the kernel has no invariant checker; cases check their own results\n");
#endif
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
