/*
 * System call dispatch. Scalars arrive in registers; anything else is read
 * from the caller's exchange frame (core/exchange.c). Each call has one short
 * handler that sets the caller's result registers itself (unless the caller
 * blocks); a failing call returns a precise code, writes its detail into the
 * exchange frame, and has changed nothing. entry.S leaves the kernel to
 * whichever thread is current afterwards.
 */
#include <bastion/syscall.h>
#include <bastion/ipc.h>
#include "kernel/core/syscall.h"
#include "kernel/core/cspace.h"
#include "kernel/core/exchange.h"
#include "kernel/core/fastpath.h"
#include "kernel/core/invoke.h"
#include "kernel/core/sched.h"
#include "kernel/core/xcall.h"
#include "kernel/object/endpoint.h"
#include "kernel/object/notification.h"
#include "kernel/lib/log.h"

void syscall_ok(struct tcb *caller, uint64_t r0, uint64_t r1)
{
    arch_syscall_set_result(&caller->context, BST_OK, r0, r1);
}

/* Every failing system call ends here: the result, the detail, and one debug log line. */
static void fail_with(struct tcb *caller, const struct bst_error_detail *d)
{
    log_debug("syscall: %s: call %llu failed with error %llu (argument %lld, range %llu-%llu)",
              caller->name, (unsigned long long)d->syscall, (unsigned long long)d->code,
              (long long)d->argument, (unsigned long long)d->min, (unsigned long long)d->max);
    arch_syscall_set_result(&caller->context, d->code, 0, 0);
    exchange_write_error(caller, d);
}

void syscall_fail(struct tcb *caller, uint64_t number, enum bst_error code, uint64_t argument,
                  uint64_t min, uint64_t max)
{
    struct bst_error_detail d = {.code = code, .argument = argument, .min = min, .max = max, .syscall = number};
    fail_with(caller, &d);
}

void syscall_fail_lookup(struct tcb *caller, uint64_t number, uint64_t argument, unsigned bits_resolved)
{
    struct bst_error_detail d = {.code = BST_E_LOOKUP_FAILED, .argument = argument,
                                 .bits_resolved = bits_resolved, .syscall = number};
    fail_with(caller, &d);
}

/*
 * A message the caller is about to send is well formed: at most 64 words,
 * and an exchange frame if anything travels beyond the registers (words
 * 4.., or capabilities, whose cptrs are in the frame). Fails the call if not.
 */
static bool message_ok(struct tcb *caller, uint64_t number, uint64_t msginfo)
{
    unsigned length = bst_msginfo_length(msginfo);
    if (length > BST_MSG_MAX_WORDS) {
        syscall_fail(caller, number, BST_E_RANGE, 1, 0, BST_MSG_MAX_WORDS);
        return false;
    }
    if ((length > BST_MSG_REGISTER_WORDS || bst_msginfo_caps(msginfo)) && !tcb_exchange_paddr(caller)) {
        syscall_fail(caller, number, BST_E_NO_EXCHANGE, 1, 0, BST_MSG_REGISTER_WORDS);
        return false;
    }
    return true;
}

/* The endpoint cap at cptr with the right needed, or NULL after failing the call. */
static struct slot *endpoint_cap(struct tcb *caller, uint64_t number, uint64_t cptr, unsigned right)
{
    struct lookup_result r = cspace_lookup(tcb_cspace(caller), cptr, CSPACE_WORD_BITS, false);
    if (!r.slot) {
        syscall_fail_lookup(caller, number, 0, r.bits_resolved);
        return 0;
    }
    const struct cap *c = &r.slot->cap;
    if (cap_is_null(c))
        syscall_fail(caller, number, BST_E_INVALID_CAP, 0, 0, 0);
    else if (cap_type(c) != BST_OBJ_ENDPOINT)
        syscall_fail(caller, number, BST_E_WRONG_TYPE, 0, BST_OBJ_ENDPOINT, BST_OBJ_ENDPOINT);
    else if (!(cap_rights(c) & right))
        syscall_fail(caller, number, BST_E_RIGHTS, 0, right, right);
    else
        return r.slot;
    return 0;
}

static void sys_send(struct tcb *caller, uint64_t number, uint64_t cptr, uint64_t msginfo, bool call,
                     bool blocking)
{
    struct slot *s;
    if (!message_ok(caller, number, msginfo) || !(s = endpoint_cap(caller, number, cptr, BST_RIGHT_WRITE)))
        return;
    unsigned rights = cap_rights(&s->cap);
    struct send_mode mode = {
        .badge = s->cap.w2,
        .grant = rights & BST_RIGHT_GRANT,
        .grant_reply = rights & BST_RIGHT_GRANT_REPLY,
        .call = call,
        .blocking = blocking,
    };
    endpoint_send(endpoint_of(&s->cap), caller, &mode);
}

static void sys_receive(struct tcb *caller, uint64_t number, uint64_t cptr, bool blocking)
{
    struct slot *s = endpoint_cap(caller, number, cptr, BST_RIGHT_READ);
    if (s)
        endpoint_receive(endpoint_of(&s->cap), caller, blocking);
}

static void sys_reply(struct tcb *caller, uint64_t msginfo)
{
    if (!message_ok(caller, BST_SYS_REPLY, msginfo))
        return;
    if (endpoint_reply(caller))
        syscall_ok(caller, 0, 0);
    else
        syscall_fail(caller, BST_SYS_REPLY, BST_E_INVALID_CAP, BST_ARG_NONE, 0, 0);
}

/* Call: IPC on an endpoint, an invocation on any other kernel object. */
static void sys_call(struct tcb *caller, uint64_t cptr, uint64_t msginfo, const uint64_t words[4])
{
    struct lookup_result r = cspace_lookup(tcb_cspace(caller), cptr, CSPACE_WORD_BITS, false);
    if (r.slot && cap_type(&r.slot->cap) == BST_OBJ_ENDPOINT)
        sys_send(caller, BST_SYS_CALL, cptr, msginfo, true, true);
    else
        invoke_syscall(caller, cptr, msginfo, words);
}

/* One handler per call number; each answers its caller (unless the caller blocks). */
static void h_call(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t words[4] = {a2, a3, a4, a5};
    sys_call(c, a0, a1, words); /* the fastpath declined it (syscall_handle) */
}

static void h_send(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    sys_send(c, BST_SYS_SEND, a0, a1, false, true);
}

static void h_nbsend(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    sys_send(c, BST_SYS_NBSEND, a0, a1, false, false);
}

static void h_recv(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    sys_receive(c, BST_SYS_RECV, a0, true);
}

static void h_nbrecv(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    sys_receive(c, BST_SYS_NBRECV, a0, false);
}

static void h_reply(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a2, (void)a3, (void)a4, (void)a5;
    sys_reply(c, a1);
}

static void h_replyrecv(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5; /* the fastpath declined it (syscall_handle) */
    /* The endpoint is checked first, so a bad cap changes nothing. Without a
     * reply capability this is a plain Recv, as in seL4. */
    if (!message_ok(c, BST_SYS_REPLYRECV, a1))
        return;
    struct slot *s = endpoint_cap(c, BST_SYS_REPLYRECV, a0, BST_RIGHT_READ);
    if (s) {
        endpoint_reply(c);
        endpoint_receive(endpoint_of(&s->cap), c, true);
    }
}

static void h_yield(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    sched_yield_current();
    syscall_ok(c, 0, 0);
}

/* Signal, Wait, Poll: rdi = the notification cap (kernel/object/notification.c). */
static void h_signal(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    notification_syscall_signal(c, a0);
}

static void h_wait(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    notification_syscall_wait(c, a0);
}

static void h_poll(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    notification_syscall_poll(c, a0);
}

/* The null call does nothing at all: it measures kernel entry and exit (every build). */
static void h_debug_null(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    arch_set_error(&c->context, BST_OK);
}

static void h_debug(struct tcb *c, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    syscall_debug(c, arch_syscall_number(&c->context), a0, a1); /* rdi = MachineControl cap */
}
#define HANDLER_COUNT BST_SYS_DEBUG_LAST

typedef void (*syscall_fn)(struct tcb *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static const syscall_fn handlers[HANDLER_COUNT] = {
    [BST_SYS_CALL] = h_call,       [BST_SYS_SEND] = h_send,     [BST_SYS_NBSEND] = h_nbsend,
    [BST_SYS_RECV] = h_recv,       [BST_SYS_NBRECV] = h_nbrecv, [BST_SYS_REPLY] = h_reply,
    [BST_SYS_REPLYRECV] = h_replyrecv, [BST_SYS_YIELD] = h_yield,
    [BST_SYS_SIGNAL] = h_signal,   [BST_SYS_WAIT] = h_wait,     [BST_SYS_POLL] = h_poll,
    [BST_SYS_DEBUG_NULL] = h_debug_null,
    [BST_SYS_DEBUG_PUTS... BST_SYS_DEBUG_LAST - 1] = h_debug,
};

static void unknown_call(struct tcb *caller, uint64_t number)
{
    log_debug("syscall: %s made unknown call %llu", caller->name, (unsigned long long)number);
    syscall_fail(caller, number, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0);
}

void syscall_handle(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                    uint64_t number)
{
    struct tcb *caller = sched_current();
    if (number < HANDLER_COUNT && handlers[number])
        handlers[number](caller, a0, a1, a2, a3, a4, a5);
    else
        unknown_call(caller, number);
    schedule(); /* cheap unless the ready queues changed */
}

/*
 * XCall and XRet enter here, never through syscall_handle (entry.S saved the
 * whole context first; kernel/core/xcall.c). Neither changes the ready queues.
 */
uintptr_t syscall_handle_xcall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                               uint64_t number)
{
    (void)a2, (void)a3, (void)a4, (void)a5; /* the words and results: xcall.c reads them from the context */
    return number == BST_SYS_XCALL ? xcall(sched_current(), a0, a1) : xret(sched_current());
}

/*
 * Call and ReplyRecv enter here (entry.S picks by number): the fastpath
 * either does the whole call and switches, or nothing, and then the general
 * handler runs. A separate entry keeps the null call's path short.
 */

void syscall_handle_call(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                         uint64_t number)
{
    const uint64_t words[4] = {a2, a3, a4, a5};
    if (!fastpath_call(sched_current(), a0, a1, words))
        syscall_handle(a0, a1, a2, a3, a4, a5, number);
}

void syscall_handle_reply_recv(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                               uint64_t a5, uint64_t number)
{
    const uint64_t words[4] = {a2, a3, a4, a5};
    if (!fastpath_reply_recv(sched_current(), a0, a1, words))
        syscall_handle(a0, a1, a2, a3, a4, a5, number);
}
