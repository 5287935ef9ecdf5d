/* Number parsing and small stdlib helpers, shared by every ABI. */
#include <_libc.h>

static int isspace_(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int digit(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'z') return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
	return 99;
}

/* Parses the magnitude; *neg gets the sign; sets *overflow past ULLONG_MAX. */
static unsigned long long parse(const char *s, char **end, int base, int *neg, int *overflow)
{
	const char *p = s;
	*neg = 0;
	*overflow = 0;
	while (isspace_(*p))
		p++;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	unsigned long long v = 0;
	const char *start = p;
	for (int d; (d = digit(*p)) < base; p++) {
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			*overflow = 1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(p == start ? s : p);
	return v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	int neg, of;
	unsigned long long v = parse(s, end, base, &neg, &of);
	if (of) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return neg ? -v : v;
}

long long strtoll(const char *s, char **end, int base)
{
	int neg, of;
	unsigned long long v = parse(s, end, base, &neg, &of);
	if (of || v > (unsigned long long)LLONG_MAX + neg) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? (long long)-v : (long long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long long v = strtoull(s, end, base);
	if (v > ULONG_MAX && v < -(unsigned long long)ULONG_MAX) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	return (unsigned long)v;
}

long strtol(const char *s, char **end, int base)
{
	long long v = strtoll(s, end, base);
	if (v > LONG_MAX) {
		errno = ERANGE;
		return LONG_MAX;
	}
	if (v < LONG_MIN) {
		errno = ERANGE;
		return LONG_MIN;
	}
	return (long)v;
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
