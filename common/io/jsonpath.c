/* jsonpath.c - values at dotted paths of a JSON object, in one pass. */
#include <string.h>

#include "io/json.h"
#include "io/jsonpath.h"

void tl_jpaths_init(struct tl_jpaths *t)
{
	t->nnodes = 1;
	t->node[0] = (struct tl_jpath_node){{"", 0}, -1, -1, -1};
}

/* child: the child of node k named name, or -1. */
static int child(const struct tl_jpaths *t, int k, const char *name, size_t n)
{
	for (int c = t->node[k].child; c >= 0; c = t->node[c].sibling)
		if (t->node[c].name.n == n && memcmp(t->node[c].name.p, name, n) == 0)
			return c;
	return -1;
}

int tl_jpaths_add(struct tl_jpaths *t, const char *text, size_t n, int slot)
{
	int k = 0;
	const char *p = text, *end = text + n;
	while (p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *stop = dot ? dot : end;
		if (stop == p)
			return -1;
		int c = child(t, k, p, (size_t)(stop - p));
		if (c < 0) {
			if (t->nnodes == TL_JPATH_NODES)
				return -1;
			c = t->nnodes++;
			t->node[c] = (struct tl_jpath_node){{p, (size_t)(stop - p)}, -1, t->node[k].child, -1};
			t->node[k].child = c;
		}
		k = c;
		p = stop + 1;
	}
	if (t->node[k].slot >= 0)
		return -1;
	t->node[k].slot = slot;
	return 0;
}

/* key_child: the child of node k that the (escaped) key names, or -1. */
static int key_child(const struct tl_jpaths *t, int k, struct tl_str key)
{
	if (!memchr(key.p, '\\', key.n))
		return child(t, k, key.p, key.n);
	char buf[256];
	long m = key.n <= sizeof buf ? tl_json_unescape(key, buf) : -1;
	return m < 0 ? -1 : child(t, k, buf, (size_t)m);
}

struct scan {
	const struct tl_jpaths *t;
	const char *end;
	struct tl_str *vals;
	uint64_t seen;   /* nodes met, for the duplicate check */
	const char *why;
	struct tl_str *dup;
};

/* scan_object: the object at p, whose members are node k's children. */
static const char *scan_object(struct scan *s, int k, const char *p, int depth)
{
	struct tl_json_iter it;
	struct tl_str key;
	int rc;
	if (tl_json_iter_begin(&it, p, s->end, '{') < 0) {
		s->why = it.why;
		return NULL;
	}
	while ((rc = tl_json_iter_member(&it, &key)) > 0) {
		int c = key_child(s->t, k, key);
		const char *q;
		if (c >= 0 && (s->seen >> c & 1)) {
			*s->dup = key;
			s->why = "duplicate key";
			return NULL;
		}
		if (c >= 0)
			s->seen |= (uint64_t)1 << c;
		if (c >= 0 && s->t->node[c].child >= 0 && it.p < s->end && *it.p == '{')
			q = scan_object(s, c, it.p, depth - 1);
		else if (!(q = tl_json_skip_value(it.p, s->end, depth - 1)))
			s->why = it.why;
		if (!q)
			return NULL;
		if (c >= 0 && s->t->node[c].slot >= 0)
			s->vals[s->t->node[c].slot] = (struct tl_str){it.p, (size_t)(q - it.p)};
		it.p = q;
	}
	if (rc < 0)
		s->why = it.why;
	return rc < 0 ? NULL : it.p;
}

const char *tl_jpaths_scan(const struct tl_jpaths *t, const char *p, const char *end, struct tl_str *vals,
			   const char **why, struct tl_str *dup)
{
	struct scan s = {t, end, vals, 0, NULL, dup};
	const char *q = scan_object(&s, 0, p, 64);
	*why = s.why;
	return q;
}
