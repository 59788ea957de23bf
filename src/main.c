// SPDX-License-Identifier: MIT
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "tblk-ptp-sidecar: not built yet\n");
	return 70;
}
