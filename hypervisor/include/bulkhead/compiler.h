/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_COMPILER_H
#define BULKHEAD_COMPILER_H

#define __packed	     __attribute__((packed))
#define __aligned(x)	     __attribute__((aligned(x)))
#define __noreturn	     __attribute__((noreturn))
#define __unused	     __attribute__((unused))
#define __section(s)	     __attribute__((section(s)))
#define __printf(fmt, args)  __attribute__((format(printf, fmt, args)))
#define __no_stack_protector __attribute__((no_stack_protector))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)	   (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Power-of-two alignment helpers. */
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN_UP(x, a)	 ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define BIT(n)	   (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define KiB(x)	   ((u64)(x) << 10)
#define MiB(x)	   ((u64)(x) << 20)
#define GiB(x)	   ((u64)(x) << 30)

#define READ_ONCE(x)	 (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()	 __asm__ __volatile__("" ::: "memory")

#endif
