/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VMCS field encodings, control bits and basic exit reasons (SDM Vol 3D appendix B and
 * C, Vol 3C chapter 25). Only what the hypervisor uses is named.
 */
#ifndef ASM_VMCS_H
#define ASM_VMCS_H

/* 16-bit fields (B.1). */
#define VMCS_VPID	       0x0000
#define VMCS_GUEST_ES_SEL      0x0800
#define VMCS_GUEST_CS_SEL      0x0802
#define VMCS_GUEST_SS_SEL      0x0804
#define VMCS_GUEST_DS_SEL      0x0806
#define VMCS_GUEST_FS_SEL      0x0808
#define VMCS_GUEST_GS_SEL      0x080a
#define VMCS_GUEST_LDTR_SEL    0x080c
#define VMCS_GUEST_TR_SEL      0x080e
#define VMCS_GUEST_INTR_STATUS 0x0810 /* RVI in 7:0, SVI in 15:8 */
#define VMCS_HOST_ES_SEL       0x0c00
#define VMCS_HOST_CS_SEL       0x0c02
#define VMCS_HOST_SS_SEL       0x0c04
#define VMCS_HOST_DS_SEL       0x0c06
#define VMCS_HOST_FS_SEL       0x0c08
#define VMCS_HOST_GS_SEL       0x0c0a
#define VMCS_HOST_TR_SEL       0x0c0c

/* 64-bit fields (B.2). */
#define VMCS_IO_BITMAP_A	 0x2000
#define VMCS_IO_BITMAP_B	 0x2002
#define VMCS_MSR_BITMAP		 0x2004
#define VMCS_EXIT_MSR_STORE_ADDR 0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR	 0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR 0x200a
#define VMCS_TSC_OFFSET		 0x2010
#define VMCS_VIRTUAL_APIC_ADDR	 0x2012
#define VMCS_APIC_ACCESS_ADDR	 0x2014
#define VMCS_EOI_EXIT_BITMAP(n)	 (0x201c + 2 * (n))
#define VMCS_EPTP		 0x201a
#define VMCS_XSS_EXIT_BITMAP	 0x202c
#define VMCS_GUEST_PHYS_ADDR	 0x2400
#define VMCS_LINK_POINTER	 0x2800
#define VMCS_GUEST_DEBUGCTL	 0x2802
#define VMCS_GUEST_PAT		 0x2804
#define VMCS_GUEST_EFER		 0x2806
#define VMCS_GUEST_PDPTE0	 0x280a
#define VMCS_HOST_PAT		 0x2c00
#define VMCS_HOST_EFER		 0x2c02

/* 32-bit fields (B.3). */
#define VMCS_PIN_CTLS		    0x4000
#define VMCS_PROC_CTLS		    0x4002
#define VMCS_EXCEPTION_BITMAP	    0x4004
#define VMCS_PF_ERR_MASK	    0x4006
#define VMCS_PF_ERR_MATCH	    0x4008
#define VMCS_CR3_TARGET_COUNT	    0x400a
#define VMCS_EXIT_CTLS		    0x400c
#define VMCS_EXIT_MSR_STORE_CNT	    0x400e
#define VMCS_EXIT_MSR_LOAD_CNT	    0x4010
#define VMCS_ENTRY_CTLS		    0x4012
#define VMCS_ENTRY_MSR_LOAD_CNT	    0x4014
#define VMCS_ENTRY_INTR_INFO	    0x4016
#define VMCS_ENTRY_EXC_ERR	    0x4018
#define VMCS_ENTRY_INSTR_LEN	    0x401a
#define VMCS_TPR_THRESHOLD	    0x401c
#define VMCS_PROC_CTLS2		    0x401e
#define VMCS_PLE_GAP		    0x4020
#define VMCS_PLE_WINDOW		    0x4022
#define VMCS_INSTR_ERROR	    0x4400
#define VMCS_EXIT_REASON	    0x4402
#define VMCS_EXIT_INTR_INFO	    0x4404
#define VMCS_EXIT_INTR_ERR	    0x4406
#define VMCS_IDT_VECTORING_INFO	    0x4408
#define VMCS_IDT_VECTORING_ERR	    0x440a
#define VMCS_EXIT_INSTR_LEN	    0x440c
#define VMCS_EXIT_INSTR_INFO	    0x440e
#define VMCS_GUEST_ES_LIMIT	    0x4800
#define VMCS_GUEST_GDTR_LIMIT	    0x4810
#define VMCS_GUEST_IDTR_LIMIT	    0x4812
#define VMCS_GUEST_ES_AR	    0x4814
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY	    0x4826
#define VMCS_GUEST_SYSENTER_CS	    0x482a
#define VMCS_PREEMPTION_TIMER	    0x482e
#define VMCS_HOST_SYSENTER_CS	    0x4c00

/* Natural-width fields (B.4). */
#define VMCS_CR0_MASK		0x6000
#define VMCS_CR4_MASK		0x6002
#define VMCS_CR0_READ_SHADOW	0x6004
#define VMCS_CR4_READ_SHADOW	0x6006
#define VMCS_EXIT_QUALIFICATION 0x6400
#define VMCS_GUEST_LINEAR_ADDR	0x640a
#define VMCS_GUEST_CR0		0x6800
#define VMCS_GUEST_CR3		0x6802
#define VMCS_GUEST_CR4		0x6804
#define VMCS_GUEST_ES_BASE	0x6806
#define VMCS_GUEST_GDTR_BASE	0x6816
#define VMCS_GUEST_IDTR_BASE	0x6818
#define VMCS_GUEST_DR7		0x681a
#define VMCS_GUEST_RSP		0x681c
#define VMCS_GUEST_RIP		0x681e
#define VMCS_GUEST_RFLAGS	0x6820
#define VMCS_GUEST_PENDING_DBG	0x6822
#define VMCS_GUEST_SYSENTER_ESP 0x6824
#define VMCS_GUEST_SYSENTER_EIP 0x6826
#define VMCS_HOST_CR0		0x6c00
#define VMCS_HOST_CR3		0x6c02
#define VMCS_HOST_CR4		0x6c04
#define VMCS_HOST_FS_BASE	0x6c06
#define VMCS_HOST_GS_BASE	0x6c08
#define VMCS_HOST_TR_BASE	0x6c0a
#define VMCS_HOST_GDTR_BASE	0x6c0c
#define VMCS_HOST_IDTR_BASE	0x6c0e
#define VMCS_HOST_SYSENTER_ESP	0x6c10
#define VMCS_HOST_SYSENTER_EIP	0x6c12
#define VMCS_HOST_RSP		0x6c14
#define VMCS_HOST_RIP		0x6c16

/*
 * Guest segment fields come in runs of eight in the order ES, CS, SS, DS, FS, GS, LDTR,
 * TR with a stride of 2: selector 0x0800+2n, limit 0x4800+2n, access rights 0x4814+2n,
 * base 0x6806+2n.
 */
#ifndef __ASSEMBLY__
enum vmcs_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
#endif
#define VMCS_GUEST_SEL(s)   (0x0800 + 2 * (s))
#define VMCS_GUEST_LIMIT(s) (0x4800 + 2 * (s))
#define VMCS_GUEST_AR(s)    (0x4814 + 2 * (s))
#define VMCS_GUEST_BASE(s)  (0x6806 + 2 * (s))

/* Segment access rights as the VMCS holds them (SDM 25.4.1, table 25-2). */
#define AR_TYPE_MASK 0x000f
#define AR_S	     (1U << 4)
#define AR_DPL_SHIFT 5
#define AR_P	     (1U << 7)
#define AR_L	     (1U << 13)
#define AR_DB	     (1U << 14)
#define AR_G	     (1U << 15)
#define AR_UNUSABLE  (1U << 16)

/* Pin-based controls (25.6.1). */
#define PIN_EXT_INTR_EXIT (1U << 0)
#define PIN_NMI_EXIT	  (1U << 3)
#define PIN_VIRTUAL_NMIS  (1U << 5)
#define PIN_PREEMPT_TIMER (1U << 6)

/* Primary processor-based controls (25.6.2). */
#define PROC_INTR_WINDOW_EXIT (1U << 2)
#define PROC_TSC_OFFSETTING   (1U << 3)
#define PROC_HLT_EXIT	      (1U << 7)
#define PROC_INVLPG_EXIT      (1U << 9)
#define PROC_MWAIT_EXIT	      (1U << 10)
#define PROC_RDPMC_EXIT	      (1U << 11)
#define PROC_RDTSC_EXIT	      (1U << 12)
#define PROC_CR3_LOAD_EXIT    (1U << 15)
#define PROC_CR3_STORE_EXIT   (1U << 16)
#define PROC_CR8_LOAD_EXIT    (1U << 19)
#define PROC_CR8_STORE_EXIT   (1U << 20)
#define PROC_TPR_SHADOW	      (1U << 21)
#define PROC_NMI_WINDOW_EXIT  (1U << 22)
#define PROC_MOV_DR_EXIT      (1U << 23)
#define PROC_UNCOND_IO_EXIT   (1U << 24)
#define PROC_IO_BITMAPS	      (1U << 25)
#define PROC_MSR_BITMAPS      (1U << 28)
#define PROC_MONITOR_EXIT     (1U << 29)
#define PROC_PAUSE_EXIT	      (1U << 30)
#define PROC_SECONDARY	      (1U << 31)

/* Secondary processor-based controls (25.6.2). */
#define PROC2_VIRT_APIC_ACCESS (1U << 0)
#define PROC2_EPT	       (1U << 1)
#define PROC2_DESC_TABLE_EXIT  (1U << 2)
#define PROC2_RDTSCP	       (1U << 3)
#define PROC2_VIRT_X2APIC      (1U << 4)
#define PROC2_VPID	       (1U << 5)
#define PROC2_WBINVD_EXIT      (1U << 6)
#define PROC2_UNRESTRICTED     (1U << 7)
#define PROC2_APIC_REG_VIRT    (1U << 8)
#define PROC2_VIRT_INTR_DELIV  (1U << 9)
#define PROC2_PAUSE_LOOP_EXIT  (1U << 10)
#define PROC2_INVPCID	       (1U << 12)
#define PROC2_XSAVES	       (1U << 20)

/* VM-exit controls (25.7.1). */
#define EXIT_SAVE_DEBUGCTL (1U << 2)
#define EXIT_HOST_ADDR64   (1U << 9)
#define EXIT_ACK_INTR	   (1U << 15)
#define EXIT_SAVE_PAT	   (1U << 18)
#define EXIT_LOAD_PAT	   (1U << 19)
#define EXIT_SAVE_EFER	   (1U << 20)
#define EXIT_LOAD_EFER	   (1U << 21)
#define EXIT_SAVE_PREEMPT  (1U << 22)

/* VM-entry controls (25.8.1). */
#define ENTRY_LOAD_DEBUGCTL (1U << 2)
#define ENTRY_IA32E_MODE    (1U << 9)
#define ENTRY_LOAD_PAT	    (1U << 14)
#define ENTRY_LOAD_EFER	    (1U << 15)

/* Interruption information (VM-entry 25.8.3, VM-exit 25.9.2). */
#define INTR_INFO_VALID	    (1U << 31)
#define INTR_INFO_ERR_VALID (1U << 11)
#define INTR_TYPE_EXT_INTR  (0U << 8)
#define INTR_TYPE_NMI	    (2U << 8)
#define INTR_TYPE_HW_EXC    (3U << 8)
#define INTR_TYPE_SW_INTR   (4U << 8)
#define INTR_TYPE_PRIV_SW   (5U << 8)
#define INTR_TYPE_SW_EXC    (6U << 8)
#define INTR_TYPE_MASK	    (7U << 8)

/* Guest activity states (25.4.2). */
#define ACTIVITY_ACTIVE	   0
#define ACTIVITY_HLT	   1
#define ACTIVITY_SHUTDOWN  2
#define ACTIVITY_WAIT_SIPI 3

#ifndef __ASSEMBLY__
/* Basic exit reasons (appendix C). */
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI = 0,
	EXIT_EXTERNAL_INTR = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
	EXIT_IO_SMI = 5,
	EXIT_OTHER_SMI = 6,
	EXIT_INTR_WINDOW = 7,
	EXIT_NMI_WINDOW = 8,
	EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10,
	EXIT_GETSEC = 11,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_INVLPG = 14,
	EXIT_RDPMC = 15,
	EXIT_RDTSC = 16,
	EXIT_RSM = 17,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21,
	EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24,
	EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_DR_ACCESS = 29,
	EXIT_IO_INSTRUCTION = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33,
	EXIT_MSR_LOADING = 34,
	EXIT_MWAIT = 36,
	EXIT_MTF = 37,
	EXIT_MONITOR = 39,
	EXIT_PAUSE = 40,
	EXIT_MACHINE_CHECK = 41,
	EXIT_TPR_BELOW_THRESHOLD = 43,
	EXIT_APIC_ACCESS = 44,
	EXIT_VIRTUALIZED_EOI = 45,
	EXIT_GDTR_IDTR = 46,
	EXIT_LDTR_TR = 47,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_RDTSCP = 51,
	EXIT_PREEMPTION_TIMER = 52,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_APIC_WRITE = 56,
	EXIT_RDRAND = 57,
	EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59,
	EXIT_ENCLS = 60,
	EXIT_RDSEED = 61,
	EXIT_PML_FULL = 62,
	EXIT_XSAVES = 63,
	EXIT_XRSTORS = 64,
	EXIT_UMWAIT = 67,
	EXIT_TPAUSE = 68,
	EXIT_REASON_COUNT = 76,
};
#endif
#define EXIT_REASON_ENTRY_FAILURE (1U << 31)

#endif
