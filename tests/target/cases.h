#ifndef BASTION_TEST_CASES_H
#define BASTION_TEST_CASES_H

#include "tests/target/harness.h"

/* One suite per area, each in its own file; main.c runs them in this order. */
struct test_suite {
    const struct test_case *cases;
    const unsigned *count;
};

#define DECLARE_SUITE(name)                       \
    extern const struct test_case name##_cases[]; \
    extern const unsigned name##_case_count

DECLARE_SUITE(boot);    /* boot_cases.c: bootinfo, timer, syscalls, exchange */
DECLARE_SUITE(cap);     /* cap_cases.c: untyped, retype, CNode ops, CSpace lookup */
DECLARE_SUITE(vspace);  /* vspace_cases.c: paging structures, frame map/unmap */
DECLARE_SUITE(tcb);     /* tcb_cases.c: TCB invocations */
DECLARE_SUITE(device);  /* device_cases.c: IRQControl/IRQHandler, IOPortControl/IOPort */
DECLARE_SUITE(ipc);     /* ipc_cases.c: endpoints, faults as messages, scheduling */
DECLARE_SUITE(notify);  /* notify_cases.c: Signal/Wait/Poll, binding, handler threads */
DECLARE_SUITE(process); /* process_cases.c: spawning from a boot module, I/O port enforcement */
DECLARE_SUITE(hostile_ipc); /* hostile_ipc_cases.c: stale exchange frames, dead partners, IPC error paths */
DECLARE_SUITE(entry);   /* entry_cases.c: flags on kernel entry, sanitised user state */
DECLARE_SUITE(rights);  /* rights_cases.c: the rights each invocation needs (abi/bastion/rights.h) */
DECLARE_SUITE(fpu);     /* fpu_cases.c: FPU/SIMD state per thread, SSE code, FP exceptions */
DECLARE_SUITE(authority); /* authority_cases.c: MachineControl, kernel ports, one port owner */
DECLARE_SUITE(wx);      /* wx_cases.c: W^X per frame across aliases */
DECLARE_SUITE(attack);  /* attack_cases.c: generic attacks of issue 9, each denied with state unchanged */
DECLARE_SUITE(preempt); /* preempt_cases.c: long calls stop for interrupts, restart and finish */
DECLARE_SUITE(asid);    /* asid_cases.c: ASID pools, MakePool/Assign, exhaustion */
DECLARE_SUITE(relay);   /* relay_cases.c: relay segments, entries, XCall/XRet and their failures */

#endif
