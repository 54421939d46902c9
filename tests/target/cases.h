#ifndef BASTION_TEST_CASES_H
#define BASTION_TEST_CASES_H

#include "tests/target/harness.h"

extern const struct test_case boot_cases[];
extern const unsigned boot_case_count;

#endif
