/*
 * Functions that are too easy to misuse. Included by every lib/ and cmd/
 * file through the compiler's -include flag, so a use is a compile error.
 */
#ifndef TD_BANNED_H
#define TD_BANNED_H

/* The declarations (and glibc's inline definitions) must come first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TD_BANNED(func) sorry_##func##_is_banned_use_snprintf_or_strtol

#undef strcpy
#define strcpy(x, y) TD_BANNED(strcpy)
#undef strcat
#define strcat(x, y) TD_BANNED(strcat)
#undef sprintf
#define sprintf(...) TD_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) TD_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) TD_BANNED(strtok)
#undef atoi
#define atoi(x) TD_BANNED(atoi)
#undef atol
#define atol(x) TD_BANNED(atol)
#undef atof
#define atof(x) TD_BANNED(atof)
#undef gets
#define gets(x) TD_BANNED(gets)

#endif
