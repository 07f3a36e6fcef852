/* unit.h - a minimal C unit-test harness shared by tests/unit/test_*.c */
#ifndef TL_UNIT_H
#define TL_UNIT_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_failures;
static int unit_checks;

/* CHECK(cond): record a failure with file:line when cond is false. */
#define CHECK(cond) do { unit_checks++; if (!(cond)) { unit_failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* CHECK_NEAR(got, want, tol): |got-want| <= tol (absolute). */
#define CHECK_NEAR(got, want, tol) do { double g_ = (got), w_ = (want); unit_checks++; \
	if (!(fabs(g_ - w_) <= (tol))) { unit_failures++; \
	fprintf(stderr, "%s:%d: %s = %.17g, want %.17g (tol %g)\n", __FILE__, __LINE__, #got, g_, w_, (double)(tol)); } } while (0)

/* CHECK_REL(got, want, rtol): relative error within rtol. */
#define CHECK_REL(got, want, rtol) do { double g_ = (got), w_ = (want); unit_checks++; \
	if (!(fabs(g_ - w_) <= (rtol) * fabs(w_))) { unit_failures++; \
	fprintf(stderr, "%s:%d: %s = %.17g, want %.17g (rel %g)\n", __FILE__, __LINE__, #got, g_, w_, (double)(rtol)); } } while (0)

/* CHECK_EQ(got, want): integer equality; a failure prints both values. */
#define CHECK_EQ(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); unit_checks++; \
	if (g_ != w_) { unit_failures++; \
	fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); } } while (0)

/* CHECK_STR(got, want): string equality (either may be NULL: equal only
 * when both are); a failure prints both values. */
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); unit_checks++; \
	if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) { unit_failures++; \
	fprintf(stderr, "%s:%d: %s = %s%s%s, want %s%s%s\n", __FILE__, __LINE__, #got, \
		g_ ? "\"" : "", g_ ? g_ : "(null)", g_ ? "\"" : "", \
		w_ ? "\"" : "", w_ ? w_ : "(null)", w_ ? "\"" : ""); } } while (0)

/* UNIT_DONE(): print a summary line and return the exit status for main. */
#define UNIT_DONE() (printf("%s: %d checks, %d failures\n", __FILE__, unit_checks, unit_failures), unit_failures ? 1 : 0)

#endif
