#ifndef BASTION_TEST_FAULTS_H
#define BASTION_TEST_FAULTS_H

#include "user/lib/bastion.h"

/* Runs the fault named by test.fault= in cmdline; false if none was asked for. */
bool fault_run_requested(const char *cmdline);

#endif
