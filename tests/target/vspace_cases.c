/* Placeholder: cases arrive with the vspace work. */
#include "tests/target/cases.h"

const struct test_case vspace_cases[] = {{0, 0}};
const unsigned vspace_case_count = 0;
