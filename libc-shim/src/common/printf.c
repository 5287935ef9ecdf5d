/* The printf family and the unbuffered stdio streams, shared by every ABI.
 * Conversions: d i u x X o s c p %, lengths hh h l ll z j t, flags - 0 + space #,
 * width and precision (also as *). */
#include <_libc.h>

static FILE files[3] = {{0, 0}, {1, 0}, {2, 0}};
FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

struct sink {
	char *buf;     /* string output (NULL: descriptor output) */
	size_t cap;    /* bytes buf may hold, NUL included */
	int fd;
	int err;
	size_t total;  /* what would have been written */
	size_t used;   /* in tmp (descriptor output) */
	char tmp[512];
};

static void flush(struct sink *s)
{
	size_t off = 0;
	while (off < s->used) {
		ssize_t n = write(s->fd, s->tmp + off, s->used - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			s->err = 1;
			break;
		}
		off += (size_t)n;
	}
	s->used = 0;
}

static void put(struct sink *s, char c)
{
	if (s->buf) {
		if (s->total + 1 < s->cap)
			s->buf[s->total] = c;
	} else {
		if (s->used == sizeof(s->tmp))
			flush(s);
		s->tmp[s->used++] = c;
	}
	s->total++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void number(struct sink *s, unsigned long long v, int neg, unsigned base, int upper,
		   int flags, int width, int prec, const char *prefix)
{
	char digits[24];
	int n = 0;
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	while (v) {
		digits[n++] = set[v % base];
		v /= base;
	}
	if (prec < 0 && n == 0)
		digits[n++] = '0';
	int zeros = prec > n ? prec - n : 0;
	char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
	int plen = (int)strlen(prefix);
	int len = n + zeros + (sign != 0) + plen;
	if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & F_LEFT))
		pad(s, ' ', width - len);
	if (sign)
		put(s, sign);
	while (*prefix)
		put(s, *prefix++);
	pad(s, '0', zeros);
	while (n)
		put(s, digits[--n]);
	if (flags & F_LEFT)
		pad(s, ' ', width - len);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(s, *fmt);
			continue;
		}
		int flags = 0, width = 0, prec = -1;
		for (;; fmt++) {
			char c = fmt[1];
			if (c == '-') flags |= F_LEFT;
			else if (c == '0') flags |= F_ZERO;
			else if (c == '+') flags |= F_PLUS;
			else if (c == ' ') flags |= F_SPACE;
			else if (c == '#') flags |= F_ALT;
			else break;
		}
		fmt++;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		int len = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
		for (;; fmt++) {
			if (*fmt == 'l') len = len == 1 ? 2 : 1;
			else if (*fmt == 'h') len = len == -1 ? -2 : -1;
			else if (*fmt == 'z' || *fmt == 't') len = 3;
			else if (*fmt == 'j') len = 2;
			else break;
		}
		char conv = *fmt;
		if (!conv)
			break;
		unsigned long long u = 0;
		long long i = 0;
		switch (conv) {
		case 'd':
		case 'i':
			if (len == 2) i = va_arg(ap, long long);
			else if (len == 1) i = va_arg(ap, long);
			else if (len == 3) i = (long long)va_arg(ap, ssize_t);
			else i = va_arg(ap, int);
			if (len == -1) i = (short)i;
			if (len == -2) i = (signed char)i;
			number(s, i < 0 ? -(unsigned long long)i : (unsigned long long)i, i < 0, 10, 0,
			       flags, width, prec, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (len == 2) u = va_arg(ap, unsigned long long);
			else if (len == 1) u = va_arg(ap, unsigned long);
			else if (len == 3) u = va_arg(ap, size_t);
			else u = va_arg(ap, unsigned int);
			if (len == -1) u = (unsigned short)u;
			if (len == -2) u = (unsigned char)u;
			if (conv == 'u')
				number(s, u, 0, 10, 0, flags & ~(F_PLUS | F_SPACE), width, prec, "");
			else if (conv == 'o')
				number(s, u, 0, 8, 0, flags & ~(F_PLUS | F_SPACE), width, prec,
				       (flags & F_ALT) && u ? "0" : "");
			else
				number(s, u, 0, 16, conv == 'X', flags & ~(F_PLUS | F_SPACE), width, prec,
				       (flags & F_ALT) && u ? (conv == 'X' ? "0X" : "0x") : "");
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			number(s, u, 0, 16, 0, flags & ~(F_PLUS | F_SPACE), width, prec, "0x");
			break;
		case 'c':
			if (!(flags & F_LEFT))
				pad(s, ' ', width - 1);
			put(s, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				pad(s, ' ', width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = (int)(prec >= 0 ? strnlen(str, (size_t)prec) : strlen(str));
			if (!(flags & F_LEFT))
				pad(s, ' ', width - n);
			for (int k = 0; k < n; k++)
				put(s, str[k]);
			if (flags & F_LEFT)
				pad(s, ' ', width - n);
			break;
		}
		case '%':
			put(s, '%');
			break;
		default:
			put(s, '%');
			put(s, conv);
			break;
		}
	}
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s;
	s.buf = buf;
	s.cap = n;
	s.total = 0;
	s.used = 0;
	s.err = 0;
	format(&s, fmt, ap);
	if (n)
		buf[s.total < n ? s.total : n - 1] = 0;
	return (int)s.total;
}

int vsprintf(char *buf, const char *fmt, va_list ap) { return vsnprintf(buf, (size_t)INT_MAX, fmt, ap); }

int vdprintf(int fd, const char *fmt, va_list ap)
{
	struct sink s;
	s.buf = NULL;
	s.cap = 0;
	s.fd = fd;
	s.total = 0;
	s.used = 0;
	s.err = 0;
	format(&s, fmt, ap);
	flush(&s);
	return s.err ? -1 : (int)s.total;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	int r = vdprintf(f->fd, fmt, ap);
	if (r < 0)
		f->err = 1;
	return r;
}

int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

#define VARIADIC(call)                     \
	va_list ap;                        \
	va_start(ap, fmt);                 \
	int r = call;                      \
	va_end(ap);                        \
	return r

int printf(const char *fmt, ...) { VARIADIC(vprintf(fmt, ap)); }
int fprintf(FILE *f, const char *fmt, ...) { VARIADIC(vfprintf(f, fmt, ap)); }
int dprintf(int fd, const char *fmt, ...) { VARIADIC(vdprintf(fd, fmt, ap)); }
int sprintf(char *buf, const char *fmt, ...) { VARIADIC(vsprintf(buf, fmt, ap)); }
int snprintf(char *buf, size_t n, const char *fmt, ...) { VARIADIC(vsnprintf(buf, n, fmt, ap)); }

int fputs(const char *s, FILE *f) { return fprintf(f, "%s", s) < 0 ? EOF : 0; }
int puts(const char *s) { return printf("%s\n", s) < 0 ? EOF : 0; }
int fputc(int c, FILE *f) { return fprintf(f, "%c", c) < 0 ? EOF : (unsigned char)c; }
int putchar(int c) { return fputc(c, stdout); }
int fflush(FILE *f) { (void)f; return 0; }
