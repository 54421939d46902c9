/* Placeholder: cases arrive with the device work. */
#include "tests/target/cases.h"

const struct test_case device_cases[] = {{0, 0}};
const unsigned device_case_count = 0;
