/* Interesting values: the boundaries where kernels get checks wrong. */
#include "tests/fuzz/fuzz.h"
#include <bastion/tcb.h>

struct fuzz_env fuzz_env;

static uint64_t power_of_two_ish(struct rng *r)
{
    uint64_t p = 1ull << rng_below(r, 64);
    switch (rng_below(r, 3)) {
    case 0: return p;
    case 1: return p - 1;
    default: return p + 1;
    }
}

uint64_t gen_address(struct rng *r)
{
    static const uint64_t fixed[] = {
        0x0,                   0x1000,                 BST_ROOT_BOOTINFO_ADDR,  BST_ROOT_EXCHANGE_ADDR,
        BST_ROOT_STACK_TOP,    BST_ROOT_STACK_TOP - 8, 0x3ef000,                0x1000000,
        BST_ROOT_MODULES_ADDR, BST_USER_ADDR_TOP,      BST_USER_ADDR_TOP - 0x1000, 0x00007fffffffffffull,
        0x0000800000000000ull, 0x8000000000000000ull,  0xffff800000000000ull,   0xffff800000100000ull,
        0xffffffff80000000ull, 0xffffffff80100000ull,  0xfffffffffffff000ull,   0xfee00000,
        0xb8000,               0x40000000,             0x7fff00000000ull,       0x1ff000,
    };
    switch (rng_below(r, 8)) {
    case 0: case 1: return fixed[rng_below(r, sizeof(fixed) / sizeof(fixed[0]))];
    case 2: return rng_below(r, 1ull << 26) << 12;                          /* user pages below 256 GiB */
    case 3: return 0x40000000 + (rng_below(r, 1024) << 12);                  /* a region nobody uses */
    case 4: return 0xffff800000000000ull + (rng_below(r, 1ull << 30) << 12); /* the kernel's direct map */
    case 5: return 0xffffffff80000000ull + (rng_below(r, 1ull << 18) << 3);  /* the kernel image */
    case 6: return 0x0000800000000000ull + (rng_next(r) & 0x00007fffffffffffull); /* non-canonical */
    default: return (rng_next(r) & ~0xfffull) | (rng_chance(r, 50) ? 0 : rng_below(r, 4096));
    }
}

uint64_t gen_word(struct rng *r)
{
    switch (rng_below(r, 10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ull;
    case 3: case 4: return power_of_two_ish(r);
    case 5: return rng_below(r, 80);             /* small: types, counts, sizes, labels */
    case 6: case 7: return gen_address(r);
    case 8: return fuzz_env.arena_first + rng_below(r, FUZZ_ARENA_SLOTS); /* a slot */
    default: return rng_next(r);
    }
}

uint64_t gen_depth(struct rng *r)
{
    switch (rng_below(r, 8)) {
    case 0: return 0;
    case 1: return rng_below(r, 70);
    case 2: return gen_word(r);
    default: return 64;
    }
}

static bool in_own_code(uint64_t ip) { return ip >= fuzz_env.code_start && ip < fuzz_env.code_end; }

uint64_t gen_hostile_ip(struct rng *r)
{
    uint64_t ip = rng_chance(r, 70) ? gen_address(r) : gen_word(r);
    if (!(fuzz_env.flags & FLAG_WILD) && in_own_code(ip))
        ip = 0xffffffff80100000ull; /* a kernel address instead */
    return ip;
}

uint64_t gen_cptr(struct rng *r, uint64_t first_busy, uint64_t busy_count, unsigned radix)
{
    switch (rng_below(r, 12)) {
    case 0: return 0;
    case 1: return (1ull << radix) + rng_below(r, 64);   /* just out of range */
    case 2: return rng_below(r, 1ull << radix) | (1ull << (radix + rng_below(r, 64 - radix))); /* guard mismatch */
    case 3: return rng_next(r);
    case 4: return gen_word(r);
    case 5: return rng_below(r, 16);                      /* boot / low slots */
    default: return first_busy + rng_below(r, busy_count);
    }
}
