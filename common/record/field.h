/* field.h - reading a learner's fields in a command, with one set of
 * messages (exit 65, each "FILE:LINE: learner 'ID'..."): a missing field
 * names the tool that produces it, and an id or a bad value is quoted,
 * cut at TL_FIELD_QUOTE bytes. */
#ifndef TL_FIELD_H
#define TL_FIELD_H

#include <stddef.h>

#include "record/reader.h"

/* The most bytes of a learner id or a value quoted in a message; a longer
 * one is cut (at a UTF-8 character boundary) and "..." appended. */
#define TL_FIELD_QUOTE 60

/* tl_field_tool: the tool (and option) that produces a learner field,
 * e.g. "tl-velocity" or "tl-retention --label"; NULL when no tl tool does. */
const char *tl_field_tool(const char *field);

/* tl_field_die: exit 65 with "FILE:LINE: learner 'ID'" (the id quoted)
 * followed by fmt's text, e.g. (l, ": archetype '%s' is not in config %s",
 * ...). Every message of a command about one learner goes through it. */
_Noreturn void tl_field_die(const struct tl_learner *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tl_field_missing: exit 65 with "learner 'ID' has no field 'NAME'[, used
 * by USED_BY] (it is produced by TOOL: run it first)", or "(no tl tool
 * produces it; add it to the input)". used_by may be NULL. */
_Noreturn void tl_field_missing(const struct tl_learner *l, const char *name, const char *used_by);

/* tl_field_need: l's field name, or tl_field_missing. */
const struct tl_attr *tl_field_need(const struct tl_learner *l, const char *name, const char *used_by);

/* tl_field_need_at: tl_field_need, looking first at position *hint (a
 * learner's fields are usually where the previous learner's were); *hint
 * gets the field's position. */
const struct tl_attr *tl_field_need_at(const struct tl_learner *l, const char *name, const char *used_by,
				       size_t *hint);

/* tl_field_bad: exit 65 with "learner 'ID': field 'NAME' WHAT: 'VALUE'". */
_Noreturn void tl_field_bad(const struct tl_learner *l, const struct tl_attr *a, const char *what);

/* tl_field_number: a's value as a number: 1 and *v; 0 when it is empty or
 * null; exits 65 (tl_field_bad "is not a number") otherwise. */
int tl_field_number(const struct tl_learner *l, const struct tl_attr *a, double *v);

/* A 0/1 field (tl(7) "Booleans"): 0, 1 (or a number equal to them),
 * true or false in any case, as a JSON literal, a JSON string or CSV text;
 * empty or null is missing. One reader, one message, in every tool. */
#define TL_FIELD_NOT_BOOLEAN "is not 0, 1, true or false"

/* tl_field_bool_value: a's value as 0 or 1; -1 when it is empty or null;
 * -2 when it is anything else. */
int tl_field_bool_value(const struct tl_attr *a);

/* tl_field_boolean: tl_field_bool_value, exiting 65 on anything else with
 * "learner 'ID': field 'NAME' is not 0, 1, true or false: 'VALUE'";
 * tl_field_boolean_for appends "; NOTE" (note may be NULL). */
int tl_field_boolean(const struct tl_learner *l, const struct tl_attr *a);
int tl_field_boolean_for(const struct tl_learner *l, const struct tl_attr *a, const char *note);

/* A buffer for field text, grown to fit; zero it before the first use,
 * free p after the last. */
struct tl_field_buf {
	char *p;
	size_t cap;
};

/* tl_field_text: a's value as plain text (JSON strings unescaped, null as
 * empty) in b->p, NUL-terminated; returns its length. */
size_t tl_field_text(const struct tl_attr *a, struct tl_field_buf *b);

/* tl_field_quote: s[0..n) for a message: as is, or cut at TL_FIELD_QUOTE
 * bytes with "..." appended, in buf (at least TL_FIELD_QUOTE + 4 bytes). */
#define TL_FIELD_QUOTE_BUF (TL_FIELD_QUOTE + 4)
const char *tl_field_quote(const char *s, size_t n, char *buf);

#endif
