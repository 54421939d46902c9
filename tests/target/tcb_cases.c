/* Placeholder: cases arrive with the tcb work. */
#include "tests/target/cases.h"

const struct test_case tcb_cases[] = {{0, 0}};
const unsigned tcb_case_count = 0;
