/* The in-QEMU test suite's root task. */
#include "tests/target/harness.h"
#include "tests/target/faults.h"
#include "tests/target/cases.h"

static const struct test_suite suites[] = {
    {boot_cases, &boot_case_count},     {cap_cases, &cap_case_count},
    {vspace_cases, &vspace_case_count}, {tcb_cases, &tcb_case_count},
    {device_cases, &device_case_count}, {ipc_cases, &ipc_case_count},
    {notify_cases, &notify_case_count}, {process_cases, &process_case_count},
    {hostile_ipc_cases, &hostile_ipc_case_count},
    {entry_cases, &entry_case_count},
    {rights_cases, &rights_case_count},
    {fpu_cases, &fpu_case_count},
    {authority_cases, &authority_case_count},
    {wx_cases, &wx_case_count},
    {attack_cases, &attack_case_count},
    {preempt_cases, &preempt_case_count},
    {asid_cases, &asid_case_count},
    {relay_cases, &relay_case_count},
};

int main(void)
{
    if (fault_run_requested(bst_bootinfo->cmdline))
        return 1; /* reaching here means the fault did not happen */
    return test_run_suites(suites, sizeof(suites) / sizeof(suites[0]));
}
