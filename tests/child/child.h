/*
 * The test child (tests/child/main.c), spawned by the in-QEMU suite
 * (tests/target/process_cases.c) from its boot module "test-child.elf".
 * The suite shares one frame with it, mapped at CHILD_SHARED_ADDR in the
 * child, where the child reports what it saw and did. Its start argument
 * says what to do: CHILD_ARG(mode, cookie).
 */
#ifndef BASTION_TEST_CHILD_H
#define BASTION_TEST_CHILD_H

#include <bastion/types.h>

#define CHILD_MODULE "test-child.elf"
#define CHILD_SHARED_ADDR 0x0000000000300000ull /* in the child; not in its image or stack */
#define CHILD_MAGIC 0xc41d0c41d0c41d00ull
#define CHILD_DATA_WORD 0x0123456789abcdefull  /* an initialised variable of the child's */
#define CHILD_RODATA_TEXT "read-only data of the test child"
#define CHILD_PORT 0x3fdu                      /* COM1's line status register */

enum child_mode {
    CHILD_REPORT = 1, /* fill the report and stop */
    CHILD_PORT_READ,  /* read the port given as the cookie between the two markers */
    CHILD_WRITE_TEXT, /* write to its own code between the two markers (must fault) */
    CHILD_FPU,        /* FPU isolation rounds against the suite; the cookie: how many (tests/child/fpu.c) */
    CHILD_MACHINE,    /* use whatever is at BST_CAP_MACHINE_CONTROL: print, check, power off */
};

/* CHILD_MACHINE: what each attempt returned, in report->machine[]. */
enum child_machine_call { CHILD_M_PUTS, CHILD_M_CHECK, CHILD_M_TICKS, CHILD_M_SHUTDOWN, CHILD_M_COUNT };
#define CHILD_TRY_SHUTDOWN 1u /* cookie bit: attempt the power-off too (else machine[SHUTDOWN] stays 0) */
#define CHILD_MACHINE_TEXT "child: printed with a MachineControl copy\n"

#define CHILD_MODE_BITS 8
#define CHILD_ARG(mode, cookie) ((uint64_t)(mode) | (uint64_t)(cookie) << CHILD_MODE_BITS)

struct child_report {
    uint64_t magic;          /* CHILD_MAGIC: the child ran main */
    uint64_t start_arg;      /* bst_start_arg */
    uint64_t bootinfo;       /* bst_bootinfo: 0 in a child */
    uint64_t exchange;       /* bst_exchange */
    uint64_t stack;          /* the address of a local variable */
    uint64_t data_ok;        /* 1 if initialised data, read-only data and bss read back right */
    uint64_t before, after;  /* markers around the deliberate action */
    uint64_t port_value;     /* what CHILD_PORT read */
    uint64_t cap_types;      /* set bit i: slot i of its CSpace holds a cap (debug builds, slots 1-15) */
    uint64_t machine[CHILD_M_COUNT];      /* CHILD_MACHINE: the error of each attempt */
    uint64_t machine_arg[CHILD_M_COUNT];  /* and the detail's argument */
};

void child_fpu(uint64_t rounds);

#endif
