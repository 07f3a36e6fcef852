/* test_export.c - export/export.h: the type of a value and the names that
 * cannot be columns, against hand-written cases. */
#include <string.h>

#include "unit.h"
#include "export/export.h"

static enum tl_xtype t(const char *s) { return tl_xtype_of(s, strlen(s)); }
static const char *bad(const char *s) { return tl_xname_bad(s, strlen(s)); }

int main(void)
{
	CHECK_EQ(t(""), TL_XT_NULL);
	CHECK_EQ(t("0"), TL_XT_INTEGER);
	CHECK_EQ(t("42"), TL_XT_INTEGER);
	CHECK_EQ(t("-7"), TL_XT_INTEGER);
	CHECK_EQ(t("9223372036854775807"), TL_XT_INTEGER);
	CHECK_EQ(t("-9223372036854775808"), TL_XT_INTEGER);
	CHECK_EQ(t("9223372036854775808"), TL_XT_REAL);   /* past int64: a REAL holds it */
	CHECK_EQ(t("0.5"), TL_XT_REAL);
	CHECK_EQ(t("1e+06"), TL_XT_REAL);
	CHECK_EQ(t("4.24713e-07"), TL_XT_REAL);
	CHECK_EQ(t("-0.25E3"), TL_XT_REAL);
	CHECK_EQ(t("1e999"), TL_XT_TEXT);                  /* no double holds it */
	CHECK_EQ(t("1e-999"), TL_XT_REAL);                 /* underflows to 0: still that number's nearest */
	CHECK_EQ(t("-0"), TL_XT_TEXT);
	CHECK_EQ(t("-0.0"), TL_XT_TEXT);
	CHECK_EQ(t("007"), TL_XT_TEXT);
	CHECK_EQ(t("+1"), TL_XT_TEXT);
	CHECK_EQ(t(".5"), TL_XT_TEXT);
	CHECK_EQ(t("5."), TL_XT_TEXT);
	CHECK_EQ(t("1e"), TL_XT_TEXT);
	CHECK_EQ(t(" 1"), TL_XT_TEXT);
	CHECK_EQ(t("1 "), TL_XT_TEXT);
	CHECK_EQ(t("nan"), TL_XT_TEXT);
	CHECK_EQ(t("inf"), TL_XT_TEXT);
	CHECK_EQ(t("0x10"), TL_XT_TEXT);
	CHECK_EQ(t("-"), TL_XT_TEXT);
	CHECK_EQ(t("specialist"), TL_XT_TEXT);
	CHECK(TL_XT_NULL < TL_XT_INTEGER && TL_XT_INTEGER < TL_XT_REAL && TL_XT_REAL < TL_XT_TEXT);
	CHECK_STR(tl_xtype_name(TL_XT_NULL), "TEXT");
	CHECK_STR(tl_xtype_name(TL_XT_REAL), "REAL");

	CHECK(bad("churn_risk") == NULL);
	CHECK(bad("a\"); DROP TABLE learners; --") == NULL);   /* quoted, it is one column */
	CHECK(bad("caf\xc3\xa9 \xf0\x9f\x98\x80") == NULL);
	CHECK_STR(bad(""), "is empty");
	CHECK_STR(bad("a\nb"), "has a control character");
	CHECK_STR(bad("a\x7f"), "has a control character");
	CHECK_STR(tl_xname_bad("a\0b", 3), "has a control character");
	CHECK_STR(bad("\xff"), "is not UTF-8");
	CHECK_STR(bad("\xc0\xaf"), "is not UTF-8");            /* overlong '/' */
	CHECK_STR(bad("\xed\xa0\x80"), "is not UTF-8");         /* a surrogate */
	CHECK_STR(bad("\xf4\x90\x80\x80"), "is not UTF-8");     /* past U+10FFFF */
	CHECK_STR(bad("\xe2\x82"), "is not UTF-8");             /* cut short */
	return UNIT_DONE();
}
