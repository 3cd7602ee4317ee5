/*
 * The tiny test harness of the C tests: check() counts and prints "ok - …" / "not ok - …",
 * EXPECT(call, CODE, needle, what) checks an error's numeric code, string code and (optionally) a
 * fragment of its message and frees it, expect_ok() checks success. Each test program includes it
 * once and ends with report().
 */
#ifndef CONFIDE_TEST_CHECK_H
#define CONFIDE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "confide.h"

static int passed;
static int failed;

static void check(int condition, const char *what) {
    if (condition) {
        passed++;
        printf("ok - %s\n", what);
    } else {
        failed++;
        printf("not ok - %s\n", what);
    }
}

/* Checks that `error` has `code` / `name` (and, when given, a message containing `needle`), then
 * frees it. */
static void expect_error(ConfideError *error, uint32_t code, const char *name, const char *needle,
                         const char *what) {
    if (error == NULL) {
        check(0, what);
        printf("#   expected %s, got success\n", name);
        return;
    }
    int good = confide_error_code(error) == code &&
               strcmp(confide_error_code_name(error), name) == 0 &&
               (needle == NULL || strstr(confide_error_message(error), needle) != NULL);
    check(good, what);
    if (!good) {
        printf("#   expected %s (%u), got %s (%u): %s\n", name, code, confide_error_code_name(error),
               confide_error_code(error), confide_error_message(error));
    }
    confide_error_free(error);
}

#define EXPECT(call, code_suffix, needle, what)                                                    \
    expect_error((call), CONFIDE_ERROR_CODE_##code_suffix, #code_suffix, (needle), (what))

static void expect_ok(ConfideError *error, const char *what) {
    check(error == NULL, what);
    if (error != NULL) {
        printf("#   unexpected %s: %s\n", confide_error_code_name(error),
               confide_error_message(error));
        confide_error_free(error);
    }
}

/* Prints "N passed, N failed" on a line by itself; the exit status for main. */
static int report(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
