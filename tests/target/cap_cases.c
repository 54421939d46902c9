/* Placeholder: cases arrive with the cap work. */
#include "tests/target/cases.h"

const struct test_case cap_cases[] = {{0, 0}};
const unsigned cap_case_count = 0;
