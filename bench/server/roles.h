/* What the benchmark partner process does (its start argument) and where its caps are. */
#ifndef BASTION_BENCH_ROLES_H
#define BASTION_BENCH_ROLES_H

#include "user/lib/bastion.h"

enum bench_role { BENCH_ROLE_ECHO = 1, BENCH_ROLE_STAMP, BENCH_ROLE_YIELD, BENCH_ROLE_CREATE };

#define BENCH_EP_A BST_CHILD_FIRST_FREE
#define BENCH_EP_B (BST_CHILD_FIRST_FREE + 1)

#endif
