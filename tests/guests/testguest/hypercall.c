// SPDX-License-Identifier: BSD-3-Clause
/*
 * VMCALL as Linux's ACRN guest code makes it (arch/x86/include/asm/acrn.h: the id in R8,
 * parameters in RDI and RSI, the result in RAX, negative errno on failure): an unknown
 * id is -EINVAL; "get API version" (0x80000000) is for the Service VM only, so any other
 * VM gets -EPERM and its buffer is not written; at CPL 3 VMCALL raises #UD (hypercalls
 * are a kernel interface). Skipped when CPUID 0x40000000 does not say "ACRNACRNACRN".
 */
#include "check.h"
#include "lib.h"
#include "testguest.h"
#include "user.h"

#define T "hypercall"

#define HC_GET_API_VERSION 0x80000000ULL
#define HC_UNKNOWN	   0xdeadbeefULL /* no ACRN hypercall id looks like this */
#define RAX_MARKER	   0x5a5a5a5a5a5a5a5aULL
#define EPERM		   1
#define EINVAL		   22
#define VMCALL_LENGTH	   3 /* 0f 01 c1 */

/* R8 and RAX for user_vmcall, which reads them at CPL 3. */
extern const u64 user_vmcall_regs[2];
const u64 user_vmcall_regs[2] = {HC_UNKNOWN, RAX_MARKER};

/* Runs at CPL 3: VMCALL with an unknown id, then UD2 in case VMCALL returned. */
void user_vmcall(void);
extern const u8 user_vmcall_insn[];
asm(".pushsection .text\n"
    "\t.globl user_vmcall, user_vmcall_insn\n"
    "user_vmcall:\n"
    "\tmovq user_vmcall_regs(%rip), %r8\n"
    "\tmovq user_vmcall_regs+8(%rip), %rax\n"
    "\txorl %edi, %edi\n"
    "\txorl %esi, %esi\n"
    "user_vmcall_insn:\n"
    "\tvmcall\n"
    "\tud2\n"
    ".popsection\n");

static u32 version_buf[2] __attribute__((aligned(8)));

static u64 vmcall(u64 id, u64 param1, u64 param2, struct fault *f)
{
	register u64 r8 asm("r8") = id;
	u64 rax = RAX_MARKER;

	probe_arm();
	asm volatile(PROBE_INSN("vmcall")
		     : "+a"(rax), "+r"(r8)
		     : "D"(param1), "S"(param2)
		     : "memory");
	*f = probe_result();
	return rax;
}

static void check_unknown_id(void)
{
	struct fault f;
	u64 rax = vmcall(HC_UNKNOWN, 0, 0, &f);
	char what[32];

	check(fault_none(f) && rax == (u64)-EINVAL, T, "unknown_id",
	      "expected VMCALL R8=0x%llx to return -%d (EINVAL), got RAX 0x%llx (%s)", HC_UNKNOWN,
	      EINVAL, rax, fault_describe(f, what, sizeof(what)));
}

static void check_api_version(void)
{
	u32 fill[2] = {(u32)name_hash, (u32)(name_hash >> 32)};
	u64 gpa = (u64)(size_t)version_buf, rax;
	struct fault f;
	char what[32];

	memcpy(version_buf, fill, sizeof(fill));
	rax = vmcall(HC_GET_API_VERSION, gpa, 0, &f);
	fault_describe(f, what, sizeof(what));
	if (cfg.privileged) {
		if (fault_none(f) && rax == 0)
			check_pass(T, "api_version", "%u.%u", version_buf[0], version_buf[1]);
		else
			check_fail(
				T, "api_version",
				"expected 0 from get API version (0x80000000) in the Service VM, got RAX 0x%llx (%s)",
				rax, what);
		return;
	}
	check(fault_none(f) && rax == (u64)-EPERM && !memcmp(version_buf, fill, sizeof(fill)), T,
	      "api_version_denied",
	      "expected -%d (EPERM) from get API version (0x80000000) outside the Service VM and the buffer at 0x%llx untouched: RAX 0x%llx (%s), buffer 0x%08x 0x%08x (was 0x%08x 0x%08x)",
	      EPERM, gpa, rax, what, version_buf[0], version_buf[1], fill[0], fill[1]);
}

static void check_user_vmcall(void)
{
	struct trap_frame tf;
	struct fault f;
	u64 insn = (u64)(size_t)user_vmcall_insn;
	char what[32];

	user_run(user_vmcall, &tf);
	f = (struct fault){.vector = (int)tf.vector, .error_code = (u32)tf.error_code};
	fault_describe(f, what, sizeof(what));
	if (f.vector == VEC_UD && tf.rip == insn)
		check_ok(T, "user_ud");
	else if (f.vector == VEC_UD && tf.rip == insn + VMCALL_LENGTH)
		check_fail(
			T, "user_ud",
			"expected #UD from VMCALL at CPL 3, it completed (RAX 0x%llx, CS 0x%llx)",
			tf.rax, tf.cs);
	else
		check_fail(
			T, "user_ud",
			"expected #UD from VMCALL at CPL 3 (rip 0x%llx), got %s at rip 0x%llx (CS 0x%llx)",
			insn, what, tf.rip, tf.cs);
}

void test_hypercall(void)
{
	struct cpuid_regs r = cpuid(0x40000000);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	if (memcmp(sig, "ACRNACRNACRN", 12)) {
		for (int i = 0; i < 12; i++) {
			if (sig[i] < 0x20 || sig[i] > 0x7e)
				sig[i] = '.';
		}
		check_skip(T, "unknown_id", "CPUID 0x40000000 says \"%s\", not ACRNACRNACRN", sig);
		check_skip(T, cfg.privileged ? "api_version" : "api_version_denied",
			   "no ACRN hypercall interface");
		check_skip(T, "user_ud", "no ACRN hypercall interface");
		return;
	}
	check_unknown_id();
	check_api_version();
	check_user_vmcall();
}
