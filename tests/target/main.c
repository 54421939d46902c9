/* The in-QEMU test suite's root task. */
#include "tests/target/harness.h"
#include "tests/target/faults.h"
#include "tests/target/cases.h"

int main(void)
{
    if (fault_run_requested(bst_bootinfo->cmdline))
        return 1; /* reaching here means the fault did not happen */
    bst_printf("Bastion test suite: %u cases\n", boot_case_count);
    return test_run_all(boot_cases, boot_case_count);
}
