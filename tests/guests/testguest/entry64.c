// SPDX-License-Identifier: BSD-3-Clause
/*
 * The entry state an ELF64 loader promised (entry64.h), as head.S recorded it before it
 * changed anything. IA-32e mode is active when EFER.LMA is set (SDM Vol 3A 10.8.5); the
 * CPU runs 64-bit code only if CS.L is set as well (3.4.5), which LAR shows for the
 * loader's descriptor of CS.
 */
#include "check.h"
#include "console.h"
#include "entry64.h"
#include "lib.h"

#define AR_L	  BIT(21) /* LAR result: descriptor bit 53, 64-bit code */
#define AR_DB	  BIT(22)
#define RFLAGS_IF BIT(9)
#define WRONG_LEN 256

void entry64_print(void)
{
	const struct entry64_state *s = &entry64_state;

	say("entry64 cs 0x%llx ar 0x%llx%s rsi 0x%llx rflags 0x%llx cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx gdt 0x%llx limit 0x%x",
	    s->cs, s->cs_ar, s->cs_ar_valid ? "" : " (LAR failed)", s->rsi, s->rflags, s->cr0,
	    s->cr3, s->cr4, s->efer, s->gdt_base, s->gdt_limit);
}

static void add(char *wrong, size_t *len, const char *what)
{
	if (*len < WRONG_LEN)
		*len += tg_snprintf(wrong + *len, WRONG_LEN - *len, "%s%s", *len ? ", " : "", what);
}

void entry64_check(void)
{
	const struct entry64_state *s = &entry64_state;
	char wrong[WRONG_LEN] = "";
	size_t len = 0;

	if (s->cs != ENTRY64_CS)
		add(wrong, &len, "CS is not 0x10");
	if (!s->cs_ar_valid)
		add(wrong, &len, "LAR of CS failed");
	else if (!(s->cs_ar & AR_L) || (s->cs_ar & AR_DB))
		add(wrong, &len, "CS descriptor is not 64-bit code (L=1, D=0)");
	if ((s->cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG))
		add(wrong, &len, "CR0.PE or CR0.PG clear");
	if (!(s->cr4 & CR4_PAE))
		add(wrong, &len, "CR4.PAE clear");
	if ((s->efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA))
		add(wrong, &len, "EFER.LME or EFER.LMA clear");
	if (s->rsi)
		add(wrong, &len, "RSI is not 0");
	if (s->rflags & RFLAGS_IF)
		add(wrong, &len, "interrupts on");
	check(!len, "boot", "entry64",
	      "expected the ELF64 entry state, but %s (see the entry64 line)", wrong);
}
