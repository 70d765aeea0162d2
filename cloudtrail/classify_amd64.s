//go:build amd64 && !purego

#include "textflag.h"

// func classifyAVX2(p *byte, n int, spec, high *uint64)
// For each of the n 64-byte blocks at p: spec gets a bit per byte that is
// '"', '\\' or <= 0x1f, high a bit per byte >= 0x80 (see classifyGo).
TEXT ·classifyAVX2(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ spec+16(FP), DI
	MOVQ high+24(FP), DX
	MOVQ $0x22, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0 // '"'
	MOVQ $0x5c, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1 // '\\'
	MOVQ $0x1f, AX
	MOVQ AX, X2
	VPBROADCASTB X2, Y2 // 0x1f

loop:
	TESTQ CX, CX
	JZ    done
	VMOVDQU (SI), Y3
	VMOVDQU 32(SI), Y4

	VPCMPEQB Y3, Y0, Y5
	VPCMPEQB Y3, Y1, Y6
	VPOR     Y5, Y6, Y5
	VPMAXUB  Y3, Y2, Y6  // max(x, 0x1f) == 0x1f iff x <= 0x1f
	VPCMPEQB Y6, Y2, Y6
	VPOR     Y5, Y6, Y5
	VPMOVMSKB Y5, AX
	VPMOVMSKB Y3, R8

	VPCMPEQB Y4, Y0, Y7
	VPCMPEQB Y4, Y1, Y8
	VPOR     Y7, Y8, Y7
	VPMAXUB  Y4, Y2, Y8
	VPCMPEQB Y8, Y2, Y8
	VPOR     Y7, Y8, Y7
	VPMOVMSKB Y7, BX
	VPMOVMSKB Y4, R9

	SHLQ $32, BX
	ORQ  BX, AX
	MOVQ AX, (DI)
	SHLQ $32, R9
	ORQ  R9, R8
	MOVQ R8, (DX)

	ADDQ $64, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JMP  loop

done:
	VZEROUPPER
	RET
